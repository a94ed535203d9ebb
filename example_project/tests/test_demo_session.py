"""``nox -s demo`` serves the project with development-sized throttles over plain HTTP.

The session function of the real noxfile runs against a stand-in for nox that records
the commands instead of running them: what is checked is what the demo would run.
"""

import importlib.util
import sys
import types
from pathlib import Path

import pytest

NOXFILE = Path(__file__).resolve().parents[2] / "noxfile.py"


class RecordingSession:
    """Enough of ``nox.Session`` for the demo: it records ``run`` and ignores the rest."""

    def __init__(self) -> None:
        self.runs: list[tuple[tuple[str, ...], dict[str, str]]] = []
        self.posargs: list[str] = []

    def run(self, *arguments: str, env: dict[str, str] | None = None, **options) -> None:
        self.runs.append((arguments, env or {}))

    def __getattr__(self, name: str):
        return lambda *arguments, **options: None

    def environment_of(self, command: str) -> dict[str, str]:
        (env,) = [env for arguments, env in self.runs if command in arguments]
        return env


def stand_in_for_nox() -> types.ModuleType:
    def decorator(function=None, **options):
        return function if callable(function) else (lambda decorated: decorated)

    module = types.ModuleType("nox")
    module.session = decorator
    module.parametrize = lambda *arguments, **options: decorator
    module.options = types.SimpleNamespace()
    module.Session = RecordingSession
    return module


@pytest.fixture
def demo_session(monkeypatch):
    """Run the noxfile's ``demo`` and return what it ran."""
    monkeypatch.setitem(sys.modules, "nox", stand_in_for_nox())
    # Set, so that importing the noxfile does not ask pyenv for its versions.
    monkeypatch.setenv("PYENV_VERSION", "system")
    demo_variables = ("DEBUG", "THROTTLE_PROFILE", "SECURE_SSL_REDIRECT", "CORS_ALLOWED_ORIGINS")
    for name in (*demo_variables, "PORT"):
        monkeypatch.delenv(name, raising=False)
    spec = importlib.util.spec_from_file_location("noxfile_under_test", NOXFILE)
    noxfile = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(noxfile)

    def run() -> RecordingSession:
        session = RecordingSession()
        noxfile.demo(session)
        return session

    return run


@pytest.mark.parametrize("command", ["migrate", "seed_demo", "runserver"])
def test_demo_runs_with_the_development_throttle_profile_over_plain_http(demo_session, command):
    environment = demo_session().environment_of(command)

    assert environment["THROTTLE_PROFILE"] == "development"
    assert environment["DEBUG"] == "1"
    assert environment["SECURE_SSL_REDIRECT"] == "0"


def test_demo_allows_the_local_frontend_dev_servers(demo_session):
    environment = demo_session().environment_of("runserver")

    assert environment["CORS_ALLOWED_ORIGINS"].split(",") == [
        "http://localhost:5173",
        "http://127.0.0.1:5173",
        "http://localhost:3000",
        "http://127.0.0.1:3000",
        "http://localhost:8080",
        "http://127.0.0.1:8080",
    ]


def test_the_callers_settings_win_over_the_demos(demo_session, monkeypatch):
    monkeypatch.setenv("THROTTLE_PROFILE", "production")
    monkeypatch.setenv("DEBUG", "0")
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", "https://app.example.com")

    environment = demo_session().environment_of("runserver")

    assert environment["THROTTLE_PROFILE"] == "production"
    assert environment["DEBUG"] == "0"
    assert environment["CORS_ALLOWED_ORIGINS"] == "https://app.example.com"
