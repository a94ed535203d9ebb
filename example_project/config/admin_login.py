"""Password guessing at ``/admin/login/``: refused with a 429 after a few tries.

Each try costs the server a password hash (about half a second of CPU) and gives the
client one guess, so the admin's sign-in form is throttled like the API's token
endpoint, on the same atomic Redis window (``config.throttling``): per client address
(``ADMIN_LOGIN_THROTTLE_RATE``, keyed as every per-address throttle is, on the socket
address or the one the trusted proxies saw) and per username tried
(``ADMIN_LOGIN_USERNAME_THROTTLE_RATE``, whatever the address, so that guesses spread
over many addresses still meet a limit). Every ``POST`` of the form counts, right or
wrong: a person who signs in a few times a minute is never refused, a guesser is. A
per-username limit also lets a stranger keep that username out for the rest of the
window; the rate is per hour, so the owner waits at most that long, and can sign in
from the API meanwhile.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import reverse
from django.utils.translation import ngettext

from config.throttling import AtomicRedisThrottle


class AdminLoginAddressThrottle(AtomicRedisThrottle):
    scope = "admin_login"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class AdminLoginUsernameThrottle(AtomicRedisThrottle):
    scope = "admin_login_username"

    def get_cache_key(self, request, view) -> str:
        username = request.POST.get("username", "")[:150].casefold()
        # Hashed: a key must not carry what a client wrote (length, characters).
        ident = hashlib.sha256(username.encode()).hexdigest()[:32]
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AdminLoginThrottleMiddleware:
    """Answers a ``POST`` to the admin's sign-in page over its limits with a 429."""

    throttle_classes = (AdminLoginAddressThrottle, AdminLoginUsernameThrottle)

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self._login_path: str | None = None

    @property
    def login_path(self) -> str:
        if self._login_path is None:
            self._login_path = reverse("admin:login")
        return self._login_path

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.method == "POST" and request.path == self.login_path:
            for throttle_class in self.throttle_classes:
                throttle = throttle_class()
                if not throttle.allow_request(request, None):
                    return self.refused(throttle.wait())
        return self.get_response(request)

    @staticmethod
    def refused(wait: float | None) -> HttpResponse:
        seconds = max(1, math.ceil(wait or 60))
        response = HttpResponse(
            ngettext(
                "Too many sign-in attempts. Try again in %(seconds)d second.",
                "Too many sign-in attempts. Try again in %(seconds)d seconds.",
                seconds,
            )
            % {"seconds": seconds}
            + "\n",
            status=429,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = str(seconds)
        return response
