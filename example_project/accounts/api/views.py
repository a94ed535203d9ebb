"""Thin HTTP layer of the accounts API: parse, call one service, render."""

from drf_spectacular.utils import extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.api import examples
from accounts.api.serializers import (
    ProfileUpdateInputSerializer,
    RegisteredUserOutputSerializer,
    RegisterInputSerializer,
    TokenInputSerializer,
    TokenOutputSerializer,
    UserOutputSerializer,
    user_representation,
)
from config.throttling import AtomicScopedRateThrottle

TAGS = ["auth"]


PASSWORD_ERRORS = [
    "password_too_short",
    "password_too_common",
    "password_entirely_numeric",
    "password_too_similar",
    "password_too_long",
]


# Codes the services raise beyond what the serializers' fields declare.
@extend_validation_errors(["unique"], field_name="username", methods=["post"])
@extend_validation_errors(PASSWORD_ERRORS, field_name="password", methods=["post"])
@extend_validation_errors(["invalid_timezone"], field_name="timezone", methods=["post"])
class RegisterView(APIView):
    # No authentication: a stale session cookie must not force a CSRF check here.
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AtomicScopedRateThrottle]
    throttle_scope = "auth_register"

    @extend_schema(
        operation_id="auth_register",
        summary="Create an account and its API token",
        description=(
            "Runs the password validators; `timezone` must be an IANA name "
            "(code `invalid_timezone` otherwise). Throttled per client address."
        ),
        tags=TAGS,
        request=RegisterInputSerializer,
        responses={201: RegisteredUserOutputSerializer},
        examples=examples.REGISTER,
    )
    def post(self, request: Request) -> Response:
        serializer = RegisterInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user, _token = services.user_register(**serializer.validated_data)
        return Response(RegisteredUserOutputSerializer(user).data, status=status.HTTP_201_CREATED)


@extend_validation_errors(["invalid_credentials"], field_name="non_field_errors", methods=["post"])
class TokenView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [AtomicScopedRateThrottle]
    throttle_scope = "auth_token"

    @extend_schema(
        operation_id="auth_token",
        summary="Exchange username and password for the API token",
        description="Wrong credentials are a 400 `invalid_credentials`. Throttled per address.",
        tags=TAGS,
        request=TokenInputSerializer,
        responses={200: TokenOutputSerializer},
        examples=examples.TOKEN_OBTAIN,
    )
    def post(self, request: Request) -> Response:
        serializer = TokenInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token = services.token_obtain(**serializer.validated_data, request=request._request)
        return Response(TokenOutputSerializer({"token": token.key}).data)


@extend_validation_errors(["invalid_timezone"], field_name="timezone", methods=["patch"])
class MeView(APIView):
    # Per user, and generous: clients read the profile on every page load.
    throttle_classes = [AtomicScopedRateThrottle]
    throttle_scope = "auth_me"

    @extend_schema(
        operation_id="auth_me_retrieve",
        summary="The signed-in user's profile",
        description="Throttled per user.",
        tags=TAGS,
        responses={200: UserOutputSerializer},
        examples=examples.ME_GET,
    )
    def get(self, request: Request) -> Response:
        return Response(user_representation(request.user))

    @extend_schema(
        operation_id="auth_me_update",
        summary="Change the display name or the time zone",
        description=(
            "`timezone` must be an IANA name (code `invalid_timezone` otherwise). "
            "Throttled per user."
        ),
        tags=TAGS,
        request=ProfileUpdateInputSerializer,
        responses={200: UserOutputSerializer},
        examples=examples.ME_PATCH,
    )
    def patch(self, request: Request) -> Response:
        serializer = ProfileUpdateInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = services.user_update_profile(user=request.user, **serializer.validated_data)
        return Response(user_representation(user))
