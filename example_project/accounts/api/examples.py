"""OpenAPI examples and response headers of the accounts API, in the one error shape."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter


def error_example(
    name: str, status: int, error_type: str, code: str, detail: str, attr: str | None = None
) -> OpenApiExample:
    return OpenApiExample(
        name,
        value={"type": error_type, "errors": [{"code": code, "detail": detail, "attr": attr}]},
        response_only=True,
        status_codes=[str(status)],
    )


USER = {"id": 7, "username": "taras", "display_name": "Taras", "timezone": "Europe/Kyiv"}
TOKEN = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"

# drf-standardized-errors documents the 429 body of every throttled view, with an
# example; the header it sends is documented here.
RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    OpenApiTypes.INT,
    OpenApiParameter.HEADER,
    response=[429],
    description="Seconds to wait before the next request can succeed.",
)
NOT_AUTHENTICATED = error_example(
    "Not signed in",
    401,
    "client_error",
    "not_authenticated",
    "Authentication credentials were not provided.",
)
INVALID_TIMEZONE = error_example(
    "Unknown time zone",
    400,
    "validation_error",
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
    error_example(
        "Password too short",
        400,
        "validation_error",
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
    error_example(
        "Wrong password",
        400,
        "validation_error",
        "invalid_credentials",
        "Unable to sign in with the given username and password.",
        "non_field_errors",
    ),
]

ME_GET = [
    OpenApiExample("Profile", value=USER, response_only=True, status_codes=["200"]),
    NOT_AUTHENTICATED,
    error_example(
        "Bad token", 401, "client_error", "authentication_failed", "Invalid token.", None
    ),
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
    NOT_AUTHENTICATED,
]
