"""A database that cannot serve: 503 with Retry-After, one log line per outage, quick recovery.

Against the real PostgreSQL of ``DATABASE_URL``: its connections are closed under the
server's feet with ``pg_terminate_backend`` (what a restart does to each of them), and
"down" is a PostgreSQL address nothing listens on. ``nox -s faults`` restarts the real
server under load.
"""

from __future__ import annotations

import json
import logging
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg
import pytest
from django.db import OperationalError, connection, connections, transaction
from django.test import Client, override_settings

from config.errors import database_error_for
from config.outage import database_outage
from config.postgresql.liveness import check_pooled_connection, closed_by_server
from config.settings import redis_cache
from tests.factories import TokenFactory, UserFactory

EXAMPLE_PROJECT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's own failures (DATABASE_URL)"
)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def direct_connection() -> psycopg.Connection:
    """A connection of the test's own, beside Django's, to the same server."""
    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"] or None,
        dbname=settings["NAME"],
        autocommit=True,
    )


def terminate_other_backends(*, keep: set[int]) -> int:
    """Close every other connection to the test database, as a restart would; their count."""
    with direct_connection() as admin:
        keep = keep | {admin.info.backend_pid}
        rows = admin.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        ).fetchall()
        victims = [pid for (pid,) in rows if pid not in keep]
        for pid in victims:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            alive = admin.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", [victims]
            ).fetchone()[0]
            if not alive:
                break
            time.sleep(0.02)
    # The FATAL message travels to each client socket; give it a moment to land.
    time.sleep(0.1)
    return len(victims)


@contextmanager
def database_down() -> Iterator[None]:
    """Django's connection pointed at a port nothing listens on, then restored."""
    django_connection = connections["default"]
    django_connection.close()
    saved = django_connection.settings_dict["PORT"]
    django_connection.settings_dict["PORT"] = str(closed_port())
    try:
        yield
    finally:
        django_connection.close()
        django_connection.settings_dict["PORT"] = saved


def database_events(caplog) -> list[str]:
    return [getattr(r, "event", "") for r in caplog.records if r.name == "config.database"]


def test_an_idle_connection_the_server_closed_is_detected_without_a_query(transactional_db):
    with direct_connection() as victim:
        assert not closed_by_server(victim)
        check_pooled_connection(victim)  # a live one passes the pool's check
        with direct_connection() as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [victim.info.backend_pid])
        time.sleep(0.2)
        assert closed_by_server(victim)
        with pytest.raises(psycopg.OperationalError):
            check_pooled_connection(victim)


def test_a_pool_replaces_a_connection_the_server_closed_before_lending_it(transactional_db):
    from psycopg_pool import ConnectionPool

    settings = connection.settings_dict
    pool = ConnectionPool(
        kwargs={"host": settings["HOST"], "port": settings["PORT"], "dbname": settings["NAME"]}
        | {"user": settings["USER"], "autocommit": True},
        min_size=1,
        max_size=1,
        timeout=3,
        check=check_pooled_connection,
    )
    with pool:
        with pool.connection() as first:
            pid = first.info.backend_pid
        with direct_connection() as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        time.sleep(0.2)
        with pool.connection() as second:
            assert second.execute("SELECT 1").fetchone() == (1,)
            assert second.info.backend_pid != pid


def test_the_first_request_after_the_servers_connections_died_succeeds(live_server):
    token = TokenFactory().key
    with direct_connection() as mine:
        test_pid = {mine.info.backend_pid}
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        headers = {"Authorization": f"Token {token}"}
        # One keep-alive connection: one server thread with its persistent connection.
        assert client.get("/api/auth/me/", headers=headers).status_code == 200
        main_pid = connection.connection.info.backend_pid if connection.connection else None
        assert terminate_other_backends(keep=test_pid | {main_pid}) >= 1
        response = client.get("/api/auth/me/", headers=headers)
        assert response.status_code == 200, response.text
        assert client.get("/api/auth/me/", headers=headers).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_database_that_refuses_connections_is_a_503_logged_once(api_client, caplog):
    caplog.set_level(logging.INFO)
    token = TokenFactory().key
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    with database_down():
        answers = [api_client.get("/api/auth/me/"), api_client.get("/api/lessons/my/")]
        register = api_client.post(
            "/api/auth/register/",
            {"username": "newcomer", "password": "a-long-passphrase", "timezone": "UTC"},
            format="json",
        )
    for response in [*answers, register]:
        assert response.status_code == 503
        assert response["Retry-After"] == "5"
        assert response.json()["type"] == "server_error"
        assert [error["code"] for error in response.json()["errors"]] == ["service_unavailable"]
    assert database_events(caplog) == ["database_unavailable"]
    # No traceback, no ERROR line per request.
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert api_client.get("/api/auth/me/").status_code == 200
    assert database_events(caplog) == ["database_unavailable", "database_available"]
    available = next(r for r in caplog.records if getattr(r, "event", "") == "database_available")
    assert available.refused_requests == 3
    assert database_outage.started is None


@pytest.mark.django_db(transaction=True)
def test_the_admin_with_the_database_down_is_a_plain_503(caplog):
    # The admin reads its session in a middleware, before any view: handler500's case.
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    with database_down():
        response = client.get("/admin/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"].startswith("text/plain")
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.django_db(transaction=True)
def test_a_statement_past_statement_timeout_is_a_503_not_an_outage(caplog):
    caplog.set_level(logging.INFO)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 50")
        with pytest.raises(OperationalError) as raised:
            cursor.execute("SELECT pg_sleep(2)")
    error = database_error_for(raised.value, "/api/somewhere/")
    assert (error.status, error.code, error.retry_after) == (503, "service_unavailable", 5)
    assert database_events(caplog) == ["database_statement_timeout"]
    assert database_outage.started is None


def test_the_servers_statement_timeout_is_set_on_every_connection(db):
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "15s"


# --- /healthz and /readyz --------------------------------------------------------------


@pytest.mark.django_db
@override_settings(ALLOWED_HOSTS=["api.example.com"], SECURE_SSL_REDIRECT=True)
def test_probes_answer_on_any_host_over_plain_http_without_credentials(client):
    # A probe reaches a pod by its address, over HTTP: neither may turn it away.
    for path in ("/healthz", "/readyz"):
        response = client.get(path, HTTP_HOST="10.1.2.3:8000")
        assert response.status_code == 200, (path, response.content)
        assert response["Cache-Control"] == "no-store"
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/api/auth/me/", HTTP_HOST="10.1.2.3:8000").status_code == 400
    assert client.post("/readyz").status_code == 405


@pytest.mark.django_db
def test_readyz_names_each_check(client, settings):
    body = client.get("/readyz").json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == "ok"
    if "django_redis" in settings.CACHES["default"]["BACKEND"]:
        assert body["checks"]["redis"] == "ok"


@pytest.mark.django_db(transaction=True)
def test_readyz_is_503_naming_the_database_when_it_is_down(client):
    with database_down():
        response = client.get("/readyz")
        liveness = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "unavailable"
    assert response["Retry-After"] == "5"
    assert liveness.status_code == 200  # no I/O: an outage elsewhere never restarts a pod


@pytest.mark.django_db
def test_readyz_is_503_naming_redis_when_it_is_down(client):
    with override_settings(CACHES={"default": redis_cache(f"redis://127.0.0.1:{closed_port()}/0")}):
        response = client.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert (checks["database"], checks["redis"]) == ("ok", "unavailable")


# --- Connections under runserver ------------------------------------------------------

PRINT_DATABASE = """
import json, sys
sys.argv = ARGV
from config import settings
database = settings.DATABASES["default"]
pool = database["OPTIONS"].get("pool")
print(json.dumps({
    "ENGINE": database["ENGINE"],
    "CONN_MAX_AGE": database["CONN_MAX_AGE"],
    "pool": pool and {k: v for k, v in pool.items() if k != "check"},
    "options": database["OPTIONS"].get("options"),
    "DISABLE_SERVER_SIDE_CURSORS": database.get("DISABLE_SERVER_SIDE_CURSORS"),
}))
"""


def database_settings(argv: list[str], **environment: str) -> dict:
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": "postgres://u@db.internal:5432/tutor"}
    script = PRINT_DATABASE.replace("ARGV", repr(argv))
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=EXAMPLE_PROJECT,
        env={**env, **environment},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_gunicorn_keeps_persistent_connections_and_runserver_borrows_from_a_pool():
    served = database_settings(["gunicorn"])
    assert served["ENGINE"] == "config.postgresql"
    assert (served["CONN_MAX_AGE"], served["pool"]) == (60, None)
    assert served["options"] == "-c statement_timeout=15000"
    development = database_settings(["manage.py", "runserver"])
    assert development["CONN_MAX_AGE"] == 0
    assert development["pool"] == {"min_size": 1, "max_size": 4, "timeout": 10}
    sized = database_settings(["gunicorn"], DATABASE_POOL_SIZE="8", CONN_MAX_AGE="300")
    assert (sized["CONN_MAX_AGE"], sized["pool"]["max_size"]) == (0, 8)


def test_behind_pgbouncer_no_server_side_cursors_and_no_startup_options():
    direct = database_settings(["gunicorn"])
    assert direct["DISABLE_SERVER_SIDE_CURSORS"] is False
    pooled = database_settings(["gunicorn"], PGBOUNCER="1", DATABASE_STATEMENT_TIMEOUT="5000")
    assert pooled["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert pooled["options"] is None


@pytest.mark.django_db
def test_every_operation_documents_the_503_and_its_retry_after(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operations = [
        (path, method, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]
    assert len(operations) > 20
    for path, method, operation in operations:
        response = operation["responses"].get("503")
        assert response is not None, (method, path)
        assert "Retry-After" in response["headers"], (method, path)
        assert "service_unavailable" in json.dumps(response["content"]), (method, path)


@pytest.mark.django_db
def test_a_booking_lock_held_past_lock_timeout_is_a_503_warning_not_an_error(
    api_client, settings, caplog
):
    tutor, student = UserFactory(), UserFactory()
    settings.TUTOR_LESSONS = {
        **settings.TUTOR_LESSONS,
        "SCHEDULING_POLICY": "tutor_lessons.policies.authenticated_user_is_tutor",
        "LOCK_TIMEOUT": timedelta(milliseconds=100),
    }
    api_client.force_authenticate(tutor)
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    body = {"student": student.pk, "start": start, "end": start + timedelta(hours=1)}
    with direct_connection() as holder, holder.transaction():
        # Another booking of the same tutor, stuck inside its transaction.
        holder.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [0x74757472, str(tutor.pk)]
        )
        response = api_client.post("/api/lessons/", body, format="json")
    assert response.status_code == 503
    assert response["Retry-After"]
    assert [error["code"] for error in response.json()["errors"]] == ["booking_busy"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert api_client.post("/api/lessons/", body, format="json").status_code == 201
