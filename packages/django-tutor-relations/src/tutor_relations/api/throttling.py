"""Per-user throttles of the relations API; rates are ``TUTOR_RELATIONS`` settings.

Every operation is throttled (SPEC §6): writes by ``WRITE_THROTTLE_RATE``, reads by the
more generous ``READ_THROTTLE_RATE``; ``None`` switches either off.
"""

from functools import cache

from django.core.exceptions import ImproperlyConfigured
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle, UserRateThrottle

from tutor_relations.conf import relations_settings


class RelationWriteThrottle(UserRateThrottle):
    scope = "tutor_relations_write"

    def get_rate(self) -> str | None:
        return relations_settings.WRITE_THROTTLE_RATE


class RelationReadThrottle(UserRateThrottle):
    scope = "tutor_relations_read"

    def get_rate(self) -> str | None:
        return relations_settings.READ_THROTTLE_RATE


def build_throttle(throttle: type[UserRateThrottle]) -> BaseThrottle:
    """An instance of ``throttle``, built on the ``THROTTLE_BASE_CLASS`` when one is set."""
    base = relations_settings.THROTTLE_BASE_CLASS
    return throttle() if base is None else _on_base(throttle, base)()


@cache
def _on_base(throttle: type[UserRateThrottle], base: type) -> type[BaseThrottle]:
    if not (isinstance(base, type) and issubclass(base, SimpleRateThrottle)):
        raise ImproperlyConfigured(
            f"THROTTLE_BASE_CLASS must be a rest_framework SimpleRateThrottle subclass, "
            f"not {base!r}."
        )
    # The package's scope and get_rate() first, then the base's way of counting.
    return type(throttle.__name__, (throttle, base), {"__module__": throttle.__module__})
