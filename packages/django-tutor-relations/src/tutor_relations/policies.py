"""Default implementations of the ``TUTOR_RELATIONS`` hooks.

Hosts replace them with dotted paths in settings; see the package README.
"""

from __future__ import annotations

import re
from typing import Any

REQUEST_ID_HEADER = "X-Request-ID"
# Anything else (too long, spaces, quotes, newlines) could forge or break log lines.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")


def full_name_or_username(user: Any) -> str:
    """The user's full name when the model has one and it is set, else the username."""
    get_full_name = getattr(user, "get_full_name", None)
    full_name = (get_full_name() if callable(get_full_name) else "") or ""
    return full_name.strip() or user.get_username()


def request_id_of(request: Any) -> str | None:
    """The id a middleware gave the request (``request.request_id``), else its header.

    The example project's access-log middleware sets ``request.request_id``. Without
    one, a sane ``X-Request-ID`` header is used as sent; otherwise there is no id.
    """
    request_id = getattr(request, "request_id", None)
    if request_id:
        return str(request_id)
    header = request.headers.get(REQUEST_ID_HEADER, "")
    return header if _SANE_REQUEST_ID.fullmatch(header) else None
