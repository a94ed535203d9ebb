"""``GET /api/schema/``: generated once per process, throttled per address.

drf-spectacular generates the schema anew on every request: 0.35-0.7 s of CPU for
307 KB, for anyone, as often as they like. The schema only changes with the code, so
each process renders it once per renderer (YAML or JSON) and language of
``settings.LANGUAGES`` and serves those bytes afterwards; a change of settings (tests)
empties that store. Nothing else a client sends makes another entry: the parameters it
adds to its ``Accept`` header are not echoed, ``?lang=`` counts as the supported
language it falls back to, and ``?version=`` is ignored (the API has no versions), so
the store holds at most renderers x languages schemas. The view needs no sign-in and
keys its throttle (``SCHEMA_THROTTLE_RATE``) on the client address.
"""

from __future__ import annotations

import threading
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.http import HttpResponse
from django.utils import translation
from drf_spectacular.views import SpectacularAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from config.throttling import AtomicScopedRateThrottle

_rendered: dict[tuple[Any, ...], tuple[bytes, str, str]] = {}
_lock = threading.Lock()


def _language() -> str:
    """The active language as one of ``settings.LANGUAGES`` (what a catalogue can be)."""
    try:
        return translation.get_supported_language_variant(translation.get_language() or "")
    except LookupError:
        return translation.get_supported_language_variant(settings.LANGUAGE_CODE)


class SchemaView(SpectacularAPIView):
    # The schema is public: no authentication, so the throttle keys on the address.
    authentication_classes: list = []
    throttle_classes = [AtomicScopedRateThrottle]
    throttle_scope = "schema"

    def _get_version_parameter(self, request: Request) -> None:
        return None  # no versions: ``?version=`` must not make another schema

    def _get_schema_response(self, request: Request) -> HttpResponse:
        renderer = request.accepted_renderer
        # The renderer's own media type, without the parameters of the client's Accept.
        request.accepted_media_type = renderer.media_type
        key = (renderer.media_type, _language())
        rendered = _rendered.get(key)
        if rendered is None:
            with _lock:  # one thread of a process generates it, the others wait for it
                rendered = _rendered.get(key)
                if rendered is None:
                    rendered = _rendered[key] = self._render(super()._get_schema_response(request))
        content, content_type, disposition = rendered
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = disposition
        return response

    def _render(self, response: Response) -> tuple[bytes, str, str]:
        response.accepted_renderer = self.request.accepted_renderer
        response.accepted_media_type = self.request.accepted_media_type
        response.renderer_context = self.get_renderer_context()
        response.render()
        return response.content, response["Content-Type"], response["Content-Disposition"]


def _forget_rendered(**kwargs: Any) -> None:
    _rendered.clear()


setting_changed.connect(_forget_rendered)
