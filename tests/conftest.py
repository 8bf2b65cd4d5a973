"""Shared fixtures: a real PostgreSQL (embedded, or the server in DATABASE_URL), a fresh migrated
database per test (copied from a template migrated once), the app, users of each role, a live
server in a subprocess and Debian's Chromium through Playwright."""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from onbeat import db as onbeat_db
from onbeat.config import get_settings

PASSWORD = "correct horse battery staple"
ROOT = Path(__file__).resolve().parent.parent
_counter = itertools.count()


# --- database ------------------------------------------------------------------------------

def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def pg_admin_url(tmp_path_factory) -> URL:
    """A URL to the `postgres` database of the server the tests use."""
    server = os.environ.get("DATABASE_URL")
    if server:
        yield onbeat_db.normalise_url(server).set(database="postgres")
        return
    data = tmp_path_factory.mktemp(f"pg-{_worker()}")
    pg = onbeat_db.embedded_server(data)
    socket_dir = pg.get_postmaster_info().socket_dir
    yield URL.create("postgresql+psycopg", username="postgres", database="postgres", query={"host": str(socket_dir)})
    pg.cleanup()  # stop it now, not at interpreter exit


def _admin(url: URL):
    return create_engine(url, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def template_db(pg_admin_url) -> str:
    name = f"onbeat_tpl_{_worker()}_{os.getpid()}"
    admin = _admin(pg_admin_url)
    with admin.connect() as conn:
        conn.execute(text(f'drop database if exists "{name}" with (force)'))
        conn.execute(text(f'create database "{name}"'))
    onbeat_db.configure(pg_admin_url.set(database=name))
    from onbeat.migrate import upgrade

    upgrade()
    onbeat_db.engine().dispose()
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'drop database if exists "{name}" with (force)'))
    admin.dispose()


@pytest.fixture
def db_url(pg_admin_url, template_db) -> URL:
    """A fresh, migrated database for this test; the process's engine points at it."""
    name = f"onbeat_t_{_worker()}_{os.getpid()}_{next(_counter)}"
    admin = _admin(pg_admin_url)
    with admin.connect() as conn:
        conn.execute(text(f'create database "{name}" template "{template_db}" strategy file_copy'))
    url = pg_admin_url.set(database=name)
    onbeat_db.configure(url)
    yield url
    onbeat_db.engine().dispose()
    with admin.connect() as conn:
        conn.execute(text(f'drop database if exists "{name}" with (force)'))
    admin.dispose()


@pytest.fixture
def db(db_url):
    """A SQLAlchemy session on the test's database."""
    with onbeat_db.session() as s:
        yield s


@pytest.fixture
def superuser_sql(db_url):
    """Run SQL as the database superuser, outside the application's rules (for tamper tests)."""
    engine = create_engine(db_url, isolation_level="AUTOCOMMIT")

    def run(sql: str, **params):
        with engine.connect() as conn:
            return conn.execute(text(sql), params)

    yield run
    engine.dispose()


# --- settings -------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def _settings_env(monkeypatch):
    """Each test starts from default settings; a test changes them with `settings(...)`."""
    for key in list(os.environ):
        if key.startswith("ONBEAT_") and key not in ("ONBEAT_DATA",):
            monkeypatch.delenv(key, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def settings(monkeypatch):
    def apply(**values):
        for key, value in values.items():
            monkeypatch.setenv(f"ONBEAT_{key.upper()}", str(value))
        get_settings.cache_clear()
        return get_settings()

    return apply


# --- app and users --------------------------------------------------------------------------

@pytest.fixture
def app(db_url):
    from onbeat.asgi import create_app

    return create_app()


@pytest.fixture
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="http://127.0.0.1") as c:
        yield c


@pytest.fixture
def make_user(db):
    """make_user("officer", "supervisor", username=..., password=...) → the created User."""
    from onbeat.core.audit.service import Actor
    from onbeat.core.identity.service import create_user

    def make(*roles: str, username: str | None = None, password: str = PASSWORD, **extra):
        username = username or f"u{uuid.uuid4().hex[:8]}"
        user = create_user(db, Actor.system("test"), username=username, password=password,
                           given_name=extra.pop("given_name", "Test"), family_name=extra.pop("family_name", "User"),
                           rank=extra.pop("rank", "PC"), roles=list(roles) or ["officer"],
                           collar_number=extra.pop("collar_number", username[:12]), **extra)
        db.commit()
        return user

    return make


def bearer(client, username: str, password: str = PASSWORD, **extra) -> dict[str, str]:
    """Sign in for a token; returns the Authorization header."""
    r = client.post("/api/auth/token", json={"username": username, "password": password, **extra})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    m = _CSRF.search(html)
    assert m, "no csrf_token in the page"
    return m.group(1)


def browser_login(client, username: str, password: str = PASSWORD) -> str:
    """Sign in through the login form; returns the session's CSRF token."""
    page = client.get("/login")
    r = client.post("/login", data={"username": username, "password": password, "csrf_token": csrf_from(page.text)},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    return csrf_from(client.get("/account").text)


# --- live server and browser ----------------------------------------------------------------

def run_async(coro, timeout: float = 30):
    """Run a coroutine to completion from a plain test, never for longer than `timeout`.

    In a thread of its own: Playwright's sync API (the session's browser) keeps an event loop
    running in the main thread, where `asyncio.run` would refuse to start."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, asyncio.wait_for(coro, timeout)).result()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, url: URL, env: dict | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        environ = {**os.environ, "DATABASE_URL": url.render_as_string(hide_password=False), **(env or {})}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "onbeat.asgi:create_app", "--factory", "--host", "127.0.0.1",
             "--port", str(self.port), "--log-level", "warning"],
            env=environ, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self._wait()

    def _wait(self) -> None:
        import httpx

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited: " + self.proc.stdout.read().decode()[-2000:])
            try:
                if httpx.get(self.base + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("server did not start in 30 s")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture
def live_server(db_url):
    """start() → a LiveServer (uvicorn subprocess) on the test's database; all stopped after."""
    servers: list[LiveServer] = []

    def start(env: dict | None = None) -> LiveServer:
        servers.append(LiveServer(db_url, env))
        return servers[-1]

    yield start
    for s in servers:
        s.stop()


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is not installed: `make test` installs it (apt-get install chromium)")
        pytest.skip("Debian's chromium is not installed; run `make browser` (needs root or sudo)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 800, "height": 1000}, locale="en-GB")
    pg = context.new_page()
    yield pg
    context.close()


AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(pg) -> list[dict]:
    """Run axe-core (from the npm registry, installed by `make`) on the page; returns violations."""
    if not AXE.exists():
        pytest.fail(f"axe-core is not installed at {AXE}: run `make assets`")
    # Not add_script_tag: the pages' Content-Security-Policy (script-src 'self') blocks an injected
    # inline <script>. Evaluating through the DevTools protocol is outside the page's CSP.
    if not pg.evaluate("typeof window.axe === 'object'"):
        pg.evaluate(AXE.read_text(encoding="utf-8"))
    result = pg.evaluate("async () => await axe.run(document, {runOnly: ['wcag2a','wcag2aa','wcag21a','wcag21aa','wcag22aa','best-practice']})")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"]]


# --- markers --------------------------------------------------------------------------------

_DB_FIXTURES = {"db_url", "db", "client", "app", "live_server"}
_BROWSER_FIXTURES = {"browser", "page"}


def pytest_collection_modifyitems(config, items):
    """Mark each test by what it uses (its fixtures, directly or through others): `db` for
    PostgreSQL, `browser` for Chromium, so `-m "not browser"` and the like select by need."""
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        if used & _DB_FIXTURES:
            item.add_marker(pytest.mark.db)
        if used & _BROWSER_FIXTURES:
            item.add_marker(pytest.mark.browser)
