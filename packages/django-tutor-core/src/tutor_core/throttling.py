"""Per-user throttles whose rates are package settings, on a base the host may choose.

A package declares one ``PackageRateThrottle`` subclass naming its settings object, and
under it one class per setting that holds a rate (``None`` there switches the throttle
off): ``class LessonWriteThrottle(LessonsThrottle, setting="WRITE_THROTTLE_RATE"): ...``
has the scope ``tutor_lessons_write``, from the settings' name and the setting's;
``build_throttle`` instantiates it on the package's ``THROTTLE_BASE_CLASS`` when one is
set (an atomic Redis window, say), so the package's scope and rate apply either way.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import ImproperlyConfigured
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle, UserRateThrottle

from tutor_core.conf import PackageSettings


class PackageRateThrottle(UserRateThrottle):
    """``UserRateThrottle`` whose rate is ``getattr(package_settings, rate_setting)``.

    ``setting`` in the class statement names ``rate_setting`` and, unless the class sets
    its own, the ``scope``: ``TUTOR_LESSONS`` and ``WRITE_THROTTLE_RATE`` make
    ``tutor_lessons_write``.
    """

    package_settings: ClassVar[PackageSettings]
    rate_setting: ClassVar[str]

    def __init_subclass__(cls, *, setting: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if setting is None:
            return
        cls.rate_setting = setting
        if "scope" not in cls.__dict__:
            kind = setting.removesuffix("_THROTTLE_RATE").lower()
            cls.scope = f"{cls.package_settings.setting_name.lower()}_{kind}"

    def get_rate(self) -> str | None:
        rate: str | None = getattr(self.package_settings, self.rate_setting)
        return rate


def build_throttle(throttle: type[PackageRateThrottle]) -> BaseThrottle:
    """An instance of ``throttle``, built on its package's ``THROTTLE_BASE_CLASS`` if set."""
    base = throttle.package_settings.THROTTLE_BASE_CLASS
    return throttle() if base is None else _on_base(throttle, base)()


#: The classes built so far, by (throttle, base): a throttle is built once per request.
_BUILT: dict[tuple[type, Any], type[BaseThrottle]] = {}


def _on_base(throttle: type[PackageRateThrottle], base: Any) -> type[BaseThrottle]:
    built = _BUILT.get((throttle, base))
    if built is not None:
        return built
    if not (isinstance(base, type) and issubclass(base, SimpleRateThrottle)):
        raise ImproperlyConfigured(
            f"THROTTLE_BASE_CLASS must be a rest_framework SimpleRateThrottle subclass, "
            f"not {base!r}."
        )
    # The package's scope and get_rate() first, then the base's way of counting.
    built = type(throttle.__name__, (throttle, base), {"__module__": throttle.__module__})
    _BUILT[(throttle, base)] = built
    return built
