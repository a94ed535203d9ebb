"""``/metrics``: request counters and durations, single- and multi-process."""

import importlib.util
import logging
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from prometheus_client import REGISTRY

pytestmark = pytest.mark.django_db

PROJECT = Path(__file__).resolve().parent.parent
GUNICORN_CONF = PROJECT / "config" / "gunicorn.conf.py"


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_metrics_needs_no_authentication_and_speaks_prometheus(client):
    response = client.get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    assert "# TYPE http_requests_total counter" in body
    assert "# TYPE http_request_duration_seconds histogram" in body


def test_requests_are_counted_by_method_and_status(client):
    unauthorized_before = sample("http_requests_total", method="GET", status="401")
    created_before = sample("http_requests_total", method="POST", status="201")
    timed_before = sample("http_request_duration_seconds_count", method="GET")

    client.get("/api/auth/me/")
    client.get("/api/auth/me/")
    client.post(
        "/api/auth/register/",
        {"username": "emma", "password": "a-long-passphrase"},
        content_type="application/json",
    )

    assert sample("http_requests_total", method="GET", status="401") == unauthorized_before + 2
    assert sample("http_requests_total", method="POST", status="201") == created_before + 1
    assert sample("http_request_duration_seconds_count", method="GET") == timed_before + 2
    body = client.get("/metrics").content.decode()
    assert 'http_requests_total{method="GET",status="401"}' in body


def test_unknown_methods_share_one_label(client):
    before = sample("http_requests_total", method="OTHER", status="405")

    client.generic("BREW", "/metrics")

    assert sample("http_requests_total", method="OTHER", status="405") == before + 1


# One worker process: Django set up with the project's settings, answering requests
# through its full middleware stack; PROMETHEUS_MULTIPROC_DIR comes from its environment.
WORKER = """
import sys

import django
from django.test import Client

django.setup()
client = Client()
for _ in range(int(sys.argv[1])):
    assert client.get("/api/auth/me/").status_code == 401
"""


def test_metrics_sums_the_request_counters_of_every_worker_process(client, tmp_path, monkeypatch):
    environment = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "SECRET_KEY": "metrics-test-secret-key-not-for-production",
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "testserver",
    }
    # Two workers at once, as gunicorn runs them: 2 and 3 requests.
    workers = [
        subprocess.Popen([sys.executable, "-c", WORKER, str(count)], cwd=PROJECT, env=environment)
        for count in (2, 3)
    ]
    assert [worker.wait(timeout=120) for worker in workers] == [0, 0]
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))

    # This process counted none of them; /metrics reads the workers' files.
    body = client.get("/metrics").content.decode()

    assert len(list(tmp_path.glob("counter_*.db"))) == 2
    assert 'http_requests_total{method="GET",status="401"} 5.0' in body
    assert 'http_request_duration_seconds_count{method="GET"} 5.0' in body


def load_gunicorn_conf():
    spec = importlib.util.spec_from_file_location("gunicorn_conf", GUNICORN_CONF)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gunicorn_starts_with_an_empty_metrics_directory(tmp_path, monkeypatch):
    directory = tmp_path / "metrics"
    directory.mkdir()
    (directory / "counter_123.db").write_bytes(b"stale")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(directory))
    conf = load_gunicorn_conf()

    conf.on_starting(server=None)
    conf.child_exit(server=None, worker=type("Worker", (), {"pid": 123})())

    assert directory.is_dir()
    assert list(directory.iterdir()) == []


def gunicorn_access_lines(conf, *, accesslog):
    """What gunicorn's access logger receives for one request, under ``conf``."""
    from gunicorn.config import Config

    config = Config()
    config.set("logconfig_dict", conf.logconfig_dict)
    config.set("accesslog", accesslog)
    logger = conf.logger_class(config)
    records = []
    capture = logging.Handler()
    capture.emit = records.append
    access = logging.getLogger("gunicorn.access")
    access.addHandler(capture)
    try:
        response = SimpleNamespace(status="200 OK", headers=[], sent=2)
        environ = {
            "REQUEST_METHOD": "GET",
            "RAW_URI": "/api/auth/me/",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "PATH_INFO": "/api/auth/me/",
        }
        logger.access(response, SimpleNamespace(headers=[]), environ, timedelta(seconds=0.01))
    finally:
        access.removeHandler(capture)
    return [record.getMessage() for record in records]


def test_gunicorn_builds_no_access_line_of_its_own():
    # The JSON line comes from AccessLogMiddleware; gunicorn's would be a second one.
    assert gunicorn_access_lines(load_gunicorn_conf(), accesslog=None) == []


def test_gunicorn_access_logfile_still_works_when_asked_for(tmp_path):
    lines = gunicorn_access_lines(load_gunicorn_conf(), accesslog=str(tmp_path / "access.log"))

    assert len(lines) == 1
    assert '"GET /api/auth/me/ HTTP/1.1" 200' in lines[0]
