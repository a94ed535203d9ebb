"""Settings read from the environment: throttle profiles, trusted proxies, HTTPS.

Each case imports the settings module in a fresh interpreter, as a server would at
start-up, with only the variables the case names (the others are removed).
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE_PROJECT = Path(__file__).resolve().parent.parent

# Everything these tests set; a value inherited from the shell would change the answer.
CONTROLLED = {
    "DEBUG",
    "SECRET_KEY",
    "TRUSTED_PROXY_COUNT",
    "THROTTLE_PROFILE",
    "AUTH_REGISTER_THROTTLE_RATE",
    "AUTH_TOKEN_THROTTLE_RATE",
    "AUTH_ME_THROTTLE_RATE",
    "TUTOR_LESSONS_WRITE_THROTTLE_RATE",
    "TUTOR_LESSONS_READ_THROTTLE_RATE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_PROXY_SSL_HEADER",
    "CORS_ALLOWED_ORIGINS",
}
HTTPS_SETTINGS = [
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_PROXY_SSL_HEADER",
]
PRINT_SETTINGS = f"""
import json
from config import settings

rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
print(json.dumps({{
    "NUM_PROXIES": settings.REST_FRAMEWORK["NUM_PROXIES"],
    "AUTH_REGISTER_THROTTLE_RATE": rates["auth_register"],
    "AUTH_TOKEN_THROTTLE_RATE": rates["auth_token"],
    "AUTH_ME_THROTTLE_RATE": rates["auth_me"],
    "TUTOR_LESSONS_WRITE_THROTTLE_RATE": settings.TUTOR_LESSONS["WRITE_THROTTLE_RATE"],
    "TUTOR_LESSONS_READ_THROTTLE_RATE": settings.TUTOR_LESSONS["READ_THROTTLE_RATE"],
    **{{name: getattr(settings, name) for name in {HTTPS_SETTINGS!r}}},
}}))
"""

PRODUCTION_RATES = {
    "AUTH_REGISTER_THROTTLE_RATE": "20/hour",
    "AUTH_TOKEN_THROTTLE_RATE": "30/min",
    "AUTH_ME_THROTTLE_RATE": "300/min",
    "TUTOR_LESSONS_WRITE_THROTTLE_RATE": "60/min",
    "TUTOR_LESSONS_READ_THROTTLE_RATE": "600/min",
}
DEVELOPMENT_RATES = {
    "AUTH_REGISTER_THROTTLE_RATE": "1000/min",
    "AUTH_TOKEN_THROTTLE_RATE": "1000/min",
    "AUTH_ME_THROTTLE_RATE": "6000/min",
    "TUTOR_LESSONS_WRITE_THROTTLE_RATE": "1000/min",
    "TUTOR_LESSONS_READ_THROTTLE_RATE": "6000/min",
}


def run_in_project(arguments: list[str], **environment: str) -> subprocess.CompletedProcess:
    inherited = {name: value for name, value in os.environ.items() if name not in CONTROLLED}
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=EXAMPLE_PROJECT,
        env={**inherited, **environment},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def settings_with(**environment: str) -> dict:
    result = run_in_project(["-c", PRINT_SETTINGS], **environment)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def refused_settings(**environment: str) -> str:
    """The error that stops the settings from loading."""
    result = run_in_project(["-c", PRINT_SETTINGS], **environment)
    assert result.returncode != 0
    return result.stderr.strip().splitlines()[-1]


def rates(loaded: dict) -> dict:
    return {name: loaded[name] for name in PRODUCTION_RATES}


# --- Throttle profiles ------------------------------------------------------------------


def test_throttles_are_production_sized_without_a_profile():
    assert rates(settings_with()) == PRODUCTION_RATES
    assert rates(settings_with(THROTTLE_PROFILE="production")) == PRODUCTION_RATES


def test_the_development_profile_gives_development_sized_throttles():
    assert rates(settings_with(THROTTLE_PROFILE="development")) == DEVELOPMENT_RATES


@pytest.mark.parametrize("profile", ["production", "development"])
@pytest.mark.parametrize("variable", sorted(PRODUCTION_RATES))
def test_a_rates_own_variable_wins_over_the_profile(profile, variable):
    loaded = settings_with(THROTTLE_PROFILE=profile, **{variable: "7/hour"})

    expected = {**(PRODUCTION_RATES if profile == "production" else DEVELOPMENT_RATES)}
    expected[variable] = "7/hour"
    assert rates(loaded) == expected


def test_an_unknown_throttle_profile_stops_the_start_up():
    error = refused_settings(THROTTLE_PROFILE="staging")

    assert "ImproperlyConfigured" in error
    assert "THROTTLE_PROFILE must be one of production, development" in error


def test_a_rate_that_is_not_a_drf_rate_stops_the_start_up():
    error = refused_settings(AUTH_ME_THROTTLE_RATE="lots")

    assert "AUTH_ME_THROTTLE_RATE must be a DRF rate" in error


# --- Trusted proxies --------------------------------------------------------------------


def test_no_proxy_is_trusted_by_default():
    # 0, not DRF's default None: None would key the throttles on X-Forwarded-For.
    assert settings_with()["NUM_PROXIES"] == 0


def test_trusted_proxy_count_sets_drf_num_proxies():
    assert settings_with(TRUSTED_PROXY_COUNT="2")["NUM_PROXIES"] == 2


@pytest.mark.parametrize("value", ["-1", "one", "1.5"])
def test_a_trusted_proxy_count_that_is_not_a_whole_number_stops_the_start_up(value):
    error = refused_settings(TRUSTED_PROXY_COUNT=value)

    assert "ImproperlyConfigured" in error
    assert f"TRUSTED_PROXY_COUNT must be a whole number >= 0, not {value!r}" in error


# --- HTTPS ------------------------------------------------------------------------------


def test_https_settings_are_strict_without_debug():
    loaded = settings_with(DEBUG="0")

    assert {name: loaded[name] for name in HTTPS_SETTINGS} == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_PROXY_SSL_HEADER": None,
    }


def test_https_settings_are_relaxed_with_debug():
    loaded = settings_with(DEBUG="1")

    assert {name: loaded[name] for name in HTTPS_SETTINGS} == {
        "SECURE_SSL_REDIRECT": False,
        "SECURE_HSTS_SECONDS": 0,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_HSTS_PRELOAD": False,
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
        "SECURE_PROXY_SSL_HEADER": None,
    }


def test_each_https_setting_is_overridden_by_its_variable():
    loaded = settings_with(
        DEBUG="0",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="3600",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="no",
        SECURE_HSTS_PRELOAD="false",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto: https",
    )

    assert {name: loaded[name] for name in HTTPS_SETTINGS} == {
        "SECURE_SSL_REDIRECT": False,
        "SECURE_HSTS_SECONDS": 3600,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SECURE_HSTS_PRELOAD": False,
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
    }


def test_the_proxy_ssl_header_value_defaults_to_https():
    loaded = settings_with(SECURE_PROXY_SSL_HEADER="X-Forwarded-Ssl: on")
    default_value = settings_with(SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto")

    assert loaded["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_SSL", "on"]
    assert default_value["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_a_malformed_proxy_ssl_header_stops_the_start_up():
    error = refused_settings(SECURE_PROXY_SSL_HEADER="X Forwarded Proto = https")

    assert "SECURE_PROXY_SSL_HEADER must look like 'X-Forwarded-Proto: https'" in error


def test_check_deploy_is_clean_without_debug():
    result = run_in_project(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout
