import json
import logging

from onbeat.core import context
from onbeat.core.logging import configure


def _log_in_request(request_id: str, message: str) -> None:
    token = context.current.set(context.RequestContext(request_id, "127.0.0.1"))
    try:
        logging.getLogger("onbeat.test").warning("%s for %s", message, "PC 1234")
    finally:
        context.current.reset(token)


def test_json_logs_are_one_object_per_line_with_the_request_id(capsys):
    configure("INFO", json_logs=True)
    _log_in_request("req-42", "checked")
    line = capsys.readouterr().err.strip().splitlines()[-1]
    entry = json.loads(line)
    assert entry["request_id"] == "req-42"
    assert entry["message"] == "checked for PC 1234"
    assert entry["level"] == "WARNING" and entry["name"] == "onbeat.test" and entry["time"]


def test_plain_logs_carry_the_request_id_too(capsys):
    configure("INFO", json_logs=False)
    _log_in_request("req-43", "checked")
    assert "[req-43]" in capsys.readouterr().err


def test_outside_a_request_the_request_id_is_a_dash(capsys):
    configure("INFO", json_logs=True)
    logging.getLogger("onbeat.test").warning("start-up")
    assert json.loads(capsys.readouterr().err.strip().splitlines()[-1])["request_id"] == "-"


def test_the_request_id_in_a_response_is_the_one_logged(capsys, settings):
    settings(json_logs="true")
    from onbeat.asgi import create_app
    from fastapi.testclient import TestClient

    app = create_app(start_listener=False)

    @app.get("/boom-for-logging-test", include_in_schema=False)
    def boom():  # a test-only route: no permission needed, never in the real app
        raise RuntimeError("deliberate")

    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/boom-for-logging-test", headers={"X-Request-Id": "trace-77"})
    assert r.status_code == 500 and r.json()["request_id"] == "trace-77"
    logged = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    assert any(e["request_id"] == "trace-77" and "unhandled error" in e["message"] for e in logged)
