"""Fixtures for the relations suite, and a fail-fast check that its services are reachable."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread
from rest_framework.test import APIClient

from tests.factories import PersonFactory, RelationFactory, full_name


def pytest_sessionstart(session: pytest.Session) -> None:
    """Stop at once, with the reason, when PostgreSQL or Redis cannot be reached."""
    import django

    django.setup()
    problems = []
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("postgresql"):
        try:
            import psycopg

            psycopg.connect(
                host=database["HOST"],
                port=database["PORT"],
                user=database["USER"],
                password=database["PASSWORD"],
                dbname="postgres",
                connect_timeout=3,
            ).close()
        except Exception as error:
            problems.append(f"PostgreSQL at {database['HOST']}:{database['PORT']}: {error}")
    try:
        cache.set("tutor_relations:ping", 1, 5)
    except Exception as error:
        problems.append(f"Redis at {settings.CACHES['default']['LOCATION']}: {error}")
    if problems:
        pytest.exit(
            "The relations tests need their services; set DATABASE_URL / REDIS_URL or start "
            "them:\n  " + "\n  ".join(problems),
            returncode=3,
        )


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    cache.clear()


@pytest.fixture
def tutor(db):
    return PersonFactory(username="tutor", **full_name("Taras", "Shevchuk"))


@pytest.fixture
def student(db):
    return PersonFactory(username="student", **full_name("Olena", "Kovalenko"))


@pytest.fixture
def outsider(db):
    return PersonFactory(username="outsider")


@pytest.fixture
def client_for() -> Callable[..., APIClient]:
    def make(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def tutor_client(client_for, tutor) -> APIClient:
    return client_for(tutor)


@pytest.fixture
def student_client(client_for, student) -> APIClient:
    return client_for(student)


@pytest.fixture
def outsider_client(client_for, outsider) -> APIClient:
    return client_for(outsider)


@pytest.fixture
def pending(tutor, student):
    return RelationFactory(tutor=tutor, student=student)


class _RoomyWSGIServer(ThreadedWSGIServer):
    # Django's listen backlog of 10 resets connections when 30 clients arrive at once.
    request_queue_size = 128


class _RoomyLiveServerThread(LiveServerThread):
    server_class = _RoomyWSGIServer


@pytest.fixture
def http_server(transactional_db) -> str:
    """A real threaded HTTP server on 127.0.0.1, one database connection per request.

    The test database is never in memory (see ``tests/settings.py``), so every request
    thread opens its own connection, as under a real server.
    """
    thread = _RoomyLiveServerThread("127.0.0.1", static_handler=lambda app: app, port=0)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://127.0.0.1:{thread.port}"
    thread.terminate()
