"""Default implementations of the ``TUTOR_RELATIONS`` hooks.

Hosts replace them with dotted paths in settings; see the package README.
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext

# The active users among a queryset (all of them for a model without ``is_active``): core's
# since 1.0, importable from here as before.
from tutor_core.api.fields import active_users as active_users
from tutor_core.users import deprecated_alias, full_name

REQUEST_ID_HEADER = "X-Request-ID"
# Anything else (too long, spaces, quotes, newlines) could forge or break log lines.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")


def full_name_or_label(user: Any) -> str:
    """The user's full name when the model has one and it is set, else "User <id>".

    Never the username: a login name is half of a credential (SPEC §0), and every user
    of the API may read the names of the people they deal with.
    """
    return full_name(user) or gettext("User %(id)s") % {"id": user.pk}


#: Deprecated: it no longer falls back on the username either.
full_name_or_username = deprecated_alias(
    full_name_or_label, "tutor_relations.policies.full_name_or_username"
)


def any_active_user(users: QuerySet) -> QuerySet:
    """The default ``TUTOR_ELIGIBILITY``: every user it is given (the active ones)."""
    return users


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
