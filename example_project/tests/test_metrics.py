"""``/metrics``: request counters and durations, single- and multi-process."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

pytestmark = pytest.mark.django_db

GUNICORN_CONF = Path(__file__).resolve().parent.parent / "config" / "gunicorn.conf.py"


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


def test_metrics_merges_worker_files_in_multiprocess_mode(client, tmp_path, monkeypatch):
    # A "worker" process writes its samples to the shared directory...
    subprocess.run(
        [
            sys.executable,
            "-c",
            "from prometheus_client import Counter; "
            "Counter('worker_jobs', 'Jobs.', ['kind']).labels(kind='demo').inc(3)",
        ],
        env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)},
        check=True,
    )
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))

    # ...and whichever process answers /metrics reports them.
    body = client.get("/metrics").content.decode()

    assert 'worker_jobs_total{kind="demo"} 3.0' in body


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
