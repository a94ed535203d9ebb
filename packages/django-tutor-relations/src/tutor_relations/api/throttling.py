"""Per-user throttles of the relations API; rates are ``TUTOR_RELATIONS`` settings.

Every operation is throttled (SPEC §6): writes by ``WRITE_THROTTLE_RATE``, reads by the
more generous ``READ_THROTTLE_RATE``; ``None`` switches either off. Core's
``build_throttle`` builds them on ``THROTTLE_BASE_CLASS`` when the host sets one.
"""

from __future__ import annotations

from tutor_core.throttling import PackageRateThrottle, build_throttle
from tutor_relations.conf import relations_settings

__all__ = ["RelationReadThrottle", "RelationWriteThrottle", "build_throttle"]


class RelationsThrottle(PackageRateThrottle):
    """The relations API's throttles: scopes ``tutor_relations_<kind>``."""

    package_settings = relations_settings


class RelationWriteThrottle(RelationsThrottle, setting="WRITE_THROTTLE_RATE"): ...


class RelationReadThrottle(RelationsThrottle, setting="READ_THROTTLE_RATE"): ...
