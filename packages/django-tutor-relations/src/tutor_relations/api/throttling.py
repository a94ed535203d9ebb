"""Per-user throttles of the relations API; rates are ``TUTOR_RELATIONS`` settings.

Every operation is throttled (SPEC §6): writes by ``WRITE_THROTTLE_RATE``, reads by the
more generous ``READ_THROTTLE_RATE``; ``None`` switches either off.
"""

from rest_framework.throttling import UserRateThrottle

from tutor_relations.conf import relations_settings


class RelationWriteThrottle(UserRateThrottle):
    scope = "tutor_relations_write"

    def get_rate(self) -> str | None:
        return relations_settings.WRITE_THROTTLE_RATE


class RelationReadThrottle(UserRateThrottle):
    scope = "tutor_relations_read"

    def get_rate(self) -> str | None:
        return relations_settings.READ_THROTTLE_RATE
