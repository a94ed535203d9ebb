"""Password validators of the example project beyond Django's own."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import ngettext

#: The longest password accepted anywhere (the API's serializers refuse longer ones
#: before any validator runs or any hash is computed). A passphrase fits; a megabyte,
#: which a similarity check and a hash would each read whole, does not.
PASSWORD_MAX_LENGTH = 128


class MaximumLengthValidator:
    """Refuse a password longer than ``max_length`` characters (``password_too_long``)."""

    def __init__(self, max_length: int = PASSWORD_MAX_LENGTH) -> None:
        self.max_length = max_length

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                self.get_error_message(),
                code="password_too_long",
                params={"max_length": self.max_length},
            )

    def get_error_message(self) -> str:
        return ngettext(
            "This password is too long: at most %(max_length)d character.",
            "This password is too long: at most %(max_length)d characters.",
            self.max_length,
        ) % {"max_length": self.max_length}

    def get_help_text(self) -> str:
        return ngettext(
            "Your password must contain at most %(max_length)d character.",
            "Your password must contain at most %(max_length)d characters.",
            self.max_length,
        ) % {"max_length": self.max_length}
