"""The fixtures every package's suite shares, and a fail-fast check of its services.

A suite's ``tests/conftest.py`` loads it with
``pytest_plugins = ["tutor_testing.pytest_plugin"]`` and keeps only its own fixtures; a
fixture of the same name there wins over the one here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread
from rest_framework.test import APIClient

from tutor_testing.schema import generate


def pytest_sessionstart(session: pytest.Session) -> None:
    """Stop at once, with the reason, when PostgreSQL or Redis cannot be reached."""
    import django

    django.setup()
    problems = []
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("postgresql"):
        try:
            # Only on PostgreSQL: a SQLite host has no driver to import.
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
        cache.set("tutor_testing:ping", 1, 5)
    except Exception as error:
        problems.append(f"Redis at {settings.CACHES['default']['LOCATION']}: {error}")
    if problems:
        pytest.exit(
            f"The {session.config.rootpath.name} tests need their services; set "
            "DATABASE_URL / REDIS_URL or start them:\n  " + "\n  ".join(problems),
            returncode=3,
        )


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    """Each test starts with an empty cache: the suite's own Redis database, flushed."""
    cache.clear()


def _person(username: str, **fields: Any) -> Any:
    from tutor_testing.factories import PersonFactory

    return PersonFactory(username=username, **fields)


@pytest.fixture
def tutor(db: None) -> Any:
    """A tutor in Kyiv, named where the user model has names."""
    from tutor_testing.factories import full_name

    return _person("tutor", timezone="Europe/Kyiv", **full_name("Taras", "Shevchuk"))


@pytest.fixture
def student(db: None) -> Any:
    """A student in New York, named where the user model has names."""
    from tutor_testing.factories import full_name

    return _person("student", timezone="America/New_York", **full_name("Olena", "Kovalenko"))


@pytest.fixture
def outsider(db: None) -> Any:
    """A user who is neither the tutor nor the student."""
    return _person("outsider")


@pytest.fixture
def client_for() -> Callable[[Any], APIClient]:
    """Makes an API client signed in as the user it is given."""

    def make(user: Any) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def tutor_client(client_for: Callable[[Any], APIClient], tutor: Any) -> APIClient:
    return client_for(tutor)


@pytest.fixture
def student_client(client_for: Callable[[Any], APIClient], student: Any) -> APIClient:
    return client_for(student)


@pytest.fixture
def outsider_client(client_for: Callable[[Any], APIClient], outsider: Any) -> APIClient:
    return client_for(outsider)


class _RoomyWSGIServer(ThreadedWSGIServer):
    # Django's listen backlog of 10 resets connections when 30 clients arrive at once.
    request_queue_size = 128


class _RoomyLiveServerThread(LiveServerThread):
    server_class = _RoomyWSGIServer


@pytest.fixture
def http_server(transactional_db: None) -> Iterator[str]:
    """A real threaded HTTP server on 127.0.0.1, one database connection per request.

    The test database is never in memory (see ``tutor_testing.settings``), so every
    request thread opens its own connection, as under a real server.
    """
    thread = _RoomyLiveServerThread("127.0.0.1", static_handler=lambda app: app, port=0)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://127.0.0.1:{thread.port}"
    thread.terminate()


@pytest.fixture(scope="module")
def schema(tmp_path_factory: Any, django_db_blocker: Any) -> dict[str, Any]:
    """The test host's OpenAPI schema, generated (and validated) once per test module."""
    with django_db_blocker.unblock():
        return generate(tmp_path_factory.mktemp("schema"))
