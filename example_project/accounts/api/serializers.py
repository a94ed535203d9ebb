"""Request and response shapes of the accounts API (rules live in ``services``)."""

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import User
from accounts.validators import PASSWORD_MAX_LENGTH


class RegisterInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, validators=[UnicodeUsernameValidator()])
    # Refused by its length before any validator reads it or any hash is computed.
    password = serializers.CharField(
        write_only=True,
        trim_whitespace=False,
        max_length=PASSWORD_MAX_LENGTH,
        style={"input_type": "password"},
    )
    display_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    timezone = serializers.CharField(
        max_length=64, required=False, default="UTC", help_text=_("IANA name, e.g. Europe/Kyiv.")
    )


class TokenInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    # Refused by its length before any validator reads it or any hash is computed.
    password = serializers.CharField(
        write_only=True,
        trim_whitespace=False,
        max_length=PASSWORD_MAX_LENGTH,
        style={"input_type": "password"},
    )


class TokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=_("Send as `Authorization: Token <token>`."))


def user_representation(user: User) -> dict[str, object]:
    """The body of ``UserOutputSerializer``, built directly.

    ``GET /api/auth/me/`` answers it on every call; a ModelSerializer builds its fields
    anew per instance, which cost more than the rest of the view.
    """
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "timezone": user.timezone,
    }


class UserOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "display_name", "timezone"]
        read_only_fields = fields


class RegisteredUserOutputSerializer(UserOutputSerializer):
    token = serializers.CharField(
        source="auth_token.key", help_text=_("Send as `Authorization: Token <token>`.")
    )

    class Meta(UserOutputSerializer.Meta):
        fields = [*UserOutputSerializer.Meta.fields, "token"]
        read_only_fields = fields


class ProfileUpdateInputSerializer(serializers.Serializer):
    display_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    timezone = serializers.CharField(
        max_length=64, required=False, help_text=_("IANA name, e.g. Europe/Kyiv.")
    )
