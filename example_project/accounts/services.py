"""Account rules: registering, signing in for a token, and editing one's profile.

Errors are DRF exceptions with a stable ``code`` per field, rendered by
drf-standardized-errors as ``{"type": "validation_error", "errors": [...]}``.
"""

from __future__ import annotations

from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import ErrorDetail, ValidationError

from accounts.models import User
from accounts.timezones import is_valid_timezone


def _field_error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: [ErrorDetail(message, code=code)]})


def _check_timezone(timezone: str) -> None:
    if not is_valid_timezone(timezone):
        raise _field_error(
            "timezone",
            gettext("%(value)s is not a known IANA time zone name, e.g. Europe/Kyiv.")
            % {"value": repr(timezone)},
            "invalid_timezone",
        )


def _check_password(password: str, *, user: User) -> None:
    try:
        password_validation.validate_password(password, user=user)
    except DjangoValidationError as error:
        raise ValidationError(
            {
                "password": [
                    ErrorDetail(message, code=detail.code or "invalid_password")
                    for detail in error.error_list
                    for message in detail.messages
                ]
            }
        ) from error


def _username_taken() -> ValidationError:
    return _field_error("username", gettext("A user with that username already exists."), "unique")


@transaction.atomic
def user_register(
    *, username: str, password: str, display_name: str = "", timezone: str = "UTC"
) -> tuple[User, Token]:
    """Create a user and their API token. Raises ``ValidationError`` (400)."""
    _check_timezone(timezone)
    user = User(username=username, display_name=display_name, timezone=timezone)
    _check_password(password, user=user)
    if User.objects.filter(username=username).exists():
        raise _username_taken()
    user.set_password(password)
    try:
        # A savepoint, so a concurrent registration of the same name becomes a 400.
        with transaction.atomic():
            user.save()
    except IntegrityError as error:
        raise _username_taken() from error
    token = Token.objects.create(user=user)
    return user, token


@transaction.atomic
def token_obtain(*, username: str, password: str, request: HttpRequest | None = None) -> Token:
    """The user's API token, created on first sign-in. Bad credentials are a 400."""
    user = authenticate(request=request, username=username, password=password)
    if user is None:
        raise _field_error(
            "non_field_errors",
            gettext("Unable to sign in with the given username and password."),
            "invalid_credentials",
        )
    token, _created = Token.objects.get_or_create(user=user)
    return token


@transaction.atomic
def user_update_profile(
    *, user: User, display_name: str | None = None, timezone: str | None = None
) -> User:
    """Change the given profile fields; ``None`` leaves a field as it is."""
    changed: list[str] = []
    if timezone is not None:
        _check_timezone(timezone)
        user.timezone = timezone
        changed.append("timezone")
    if display_name is not None:
        user.display_name = display_name
        changed.append("display_name")
    if changed:
        user.save(update_fields=changed)
    return user
