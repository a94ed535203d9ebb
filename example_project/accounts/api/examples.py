"""OpenAPI examples and response headers of the accounts API, in the one error shape.

The error examples are django-tutor-core's, as the packages' are; its AutoSchema (the
project's ``DEFAULT_SCHEMA_CLASS``) adds the ``Retry-After`` header of a 429 and the
"Not signed in" example of a 401 to every operation.
"""

from drf_spectacular.utils import OpenApiExample

from tutor_core.api.schema import drf_error_example

USER = {"id": 7, "username": "taras", "display_name": "Taras", "timezone": "Europe/Kyiv"}
TOKEN = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"

INVALID_TIMEZONE = drf_error_example(
    "Unknown time zone",
    400,
    "invalid_timezone",
    "'Mars/Olympus' is not a known IANA time zone name, e.g. Europe/Kyiv.",
    "timezone",
)

REGISTER = [
    OpenApiExample(
        "Register a student",
        value={
            "username": "taras",
            "password": "a-long-passphrase",
            "display_name": "Taras",
            "timezone": "Europe/Kyiv",
        },
        request_only=True,
    ),
    OpenApiExample(
        "Registered", value={**USER, "token": TOKEN}, response_only=True, status_codes=["201"]
    ),
    INVALID_TIMEZONE,
    drf_error_example(
        "Password too short",
        400,
        "password_too_short",
        "This password is too short. It must contain at least 8 characters.",
        "password",
    ),
]

TOKEN_OBTAIN = [
    OpenApiExample(
        "Sign in",
        value={"username": "taras", "password": "a-long-passphrase"},
        request_only=True,
    ),
    OpenApiExample("Token", value={"token": TOKEN}, response_only=True, status_codes=["200"]),
    drf_error_example(
        "Wrong password",
        400,
        "invalid_credentials",
        "Unable to sign in with the given username and password.",
        "non_field_errors",
    ),
]

ME_GET = [
    OpenApiExample("Profile", value=USER, response_only=True, status_codes=["200"]),
    drf_error_example("Bad token", 401, "authentication_failed", "Invalid token."),
]

ME_PATCH = [
    OpenApiExample("Move to London", value={"timezone": "Europe/London"}, request_only=True),
    OpenApiExample(
        "Updated profile",
        value={**USER, "timezone": "Europe/London"},
        response_only=True,
        status_codes=["200"],
    ),
    INVALID_TIMEZONE,
]
