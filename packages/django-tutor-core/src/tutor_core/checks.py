"""System-check helpers: a bad ``TUTOR_*`` setting fails ``manage.py check``, not a request.

Each package registers its own check functions (with its own ids, ``<app_label>.E001``
and on) and builds them from these, so the common parts read and number alike:

- E001: a dependency app missing from ``INSTALLED_APPS``;
- E002: the setting is not a dict; E003: an unknown key; E004: a hook that cannot be
  imported or is not callable;
- a rate that is not a DRF rate (its number is the package's);
- W001: an exception handler that does not give the documented error shape.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from django.apps import apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.utils.module_loading import import_string
from rest_framework.settings import api_settings

from tutor_core.conf import PackageSettings


def error(app_label: str, number: int, message: str, hint: str = "") -> Error:
    """``Error`` with the id ``<app_label>.E<number>``."""
    return Error(message, hint=hint or None, id=f"{app_label}.E{number:03d}")


def user_settings(package: PackageSettings) -> Any:
    """The package's setting as the host wrote it (possibly not a dict)."""
    return getattr(settings, package.setting_name, {})


def value_of(package: PackageSettings, key: str) -> Any:
    """The host's value of ``key``, else its default (unresolved: import strings stay text)."""
    written = user_settings(package)
    if isinstance(written, dict) and key in written:
        return written[key]
    return package.defaults[key]


def is_drf_rate(rate: Any) -> bool:
    """Whether ``rate`` reads as DRF's ``"<number>/<s|m|h|d...>"``."""
    try:
        number, period = rate.split("/")
        int(number)
    except (AttributeError, ValueError):
        return False
    return bool(period) and period[0] in "smhd"


def required_apps(app_label: str, required: Iterable[str]) -> list[CheckMessage]:
    """E001 for each app of ``required`` missing from ``INSTALLED_APPS``."""
    return [
        error(app_label, 1, f"{app_label} needs {app}.", f"Add {app!r} to INSTALLED_APPS.")
        for app in required
        if not apps.is_installed(app)
    ]


def settings_shape(app_label: str, package: PackageSettings) -> list[CheckMessage]:
    """E002 (not a dict), E003 (unknown keys) and E004 (hooks that cannot be used)."""
    name = package.setting_name
    written = user_settings(package)
    if not isinstance(written, dict):
        return [error(app_label, 2, f"{name} must be a dict.", f"Set {name} = {{...}}.")]
    errors: list[CheckMessage] = [
        error(
            app_label,
            3,
            f"{name} has an unknown key {key!r}.",
            "Known keys: " + ", ".join(sorted(package.defaults)),
        )
        for key in sorted(set(written) - set(package.defaults))
    ]
    for key in sorted(set(package.import_strings) & set(written)):
        value = written[key]
        try:
            hook = import_string(value) if isinstance(value, str) else value
        except ImportError as problem:
            errors.append(
                error(
                    app_label,
                    4,
                    f"{name}[{key!r}] = {value!r} cannot be imported: {problem}",
                    "Give the dotted path of a callable.",
                )
            )
            continue
        if not callable(hook):
            errors.append(
                error(app_label, 4, f"{name}[{key!r}] is not callable.", "Give a callable.")
            )
    return errors


def rates(
    app_label: str, package: PackageSettings, keys: Iterable[str], *, number: int
) -> list[CheckMessage]:
    """An error numbered ``number`` for each of ``keys`` that is neither None nor a DRF rate."""
    errors: list[CheckMessage] = []
    for key in keys:
        rate = value_of(package, key)
        if rate is not None and not is_drf_rate(rate):
            errors.append(
                error(
                    app_label,
                    number,
                    f"{package.setting_name}[{key!r}] = {rate!r} is not a DRF rate.",
                    "Use e.g. '60/min', or None to disable the throttle.",
                )
            )
    return errors


def error_shape(app_label: str, api_name: str) -> list[CheckMessage]:
    """W001 when the host's exception handler does not give the documented shape."""
    if api_settings.EXCEPTION_HANDLER.__module__.startswith("drf_standardized_errors"):
        return []
    return [
        Warning(
            f"{api_name} errors will not have the documented JSON shape.",
            hint="Set REST_FRAMEWORK['EXCEPTION_HANDLER'] = "
            "'drf_standardized_errors.handler.exception_handler'.",
            id=f"{app_label}.W001",
        )
    ]


def sqlite_immediate_transactions(
    app_label: str, databases: dict[str, dict[str, Any]], *, risk: str
) -> list[CheckMessage]:
    """W002 for each SQLite database whose transactions do not take the write lock first.

    SQLite has no exclusion constraints, no advisory locks and ignores ``SELECT … FOR
    UPDATE``: only transactions that take the write lock up front (``BEGIN IMMEDIATE``)
    keep two concurrent writes apart. ``risk`` says what would happen without them.
    """
    warnings: list[CheckMessage] = []
    for alias, database in databases.items():
        if not database.get("ENGINE", "").endswith("sqlite3"):
            continue
        mode = str((database.get("OPTIONS") or {}).get("transaction_mode") or "").upper()
        if mode != "IMMEDIATE":
            warnings.append(
                Warning(
                    f"The SQLite database {alias!r} does not use IMMEDIATE transactions: {risk}.",
                    hint=f'Set DATABASES[{alias!r}]["OPTIONS"]["transaction_mode"] = '
                    '"IMMEDIATE" (Django 5.1+).',
                    id=f"{app_label}.W002",
                )
            )
    return warnings


class SharedChecks(NamedTuple):
    """What ``register_shared`` registered, for the package's own tests."""

    error_shape: Callable[..., list[CheckMessage]]
    sqlite_warnings: Callable[[dict[str, dict[str, Any]]], list[CheckMessage]]


def register_shared(app_label: str, api_name: str, *, sqlite_risk: str = "") -> SharedChecks:
    """Register the checks every package registers alike: W001 (``error_shape``) and,
    for a package whose writes need SQLite's write lock, W002, where ``sqlite_risk`` says
    what would happen without it."""

    def check_error_shape(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
        # Any handler works, but the documented error shape and codes need this one.
        return error_shape(app_label, api_name)

    def sqlite_warnings(databases: dict[str, dict[str, Any]]) -> list[CheckMessage]:
        return sqlite_immediate_transactions(app_label, databases, risk=sqlite_risk)

    def check_sqlite_transaction_mode(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
        return sqlite_warnings(settings.DATABASES)

    register(check_error_shape, Tags.compatibility)
    if sqlite_risk:
        register(check_sqlite_transaction_mode, Tags.compatibility)
    return SharedChecks(check_error_shape, sqlite_warnings)
