"""The base of every package's domain errors: a stable code, a message from a registry.

Services raise them and know nothing of HTTP; ``tutor_core.api.errors`` turns them into
responses, and the admin and management commands show ``str(error)``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from tutor_core.errors import ErrorCode, ErrorRegistry


class TutorError(Exception):
    """A change the rules refuse. ``code`` is stable; ``str(error)`` is for people.

    A package subclasses it once with its ``registry``, then once per error, naming the
    code in the class statement: ``class TimeConflict(LessonsError, code="time_conflict"):
    ...``; a general subclass takes the code as its first argument:
    ``InvalidLesson("start_in_past")``.
    """

    registry: ClassVar[ErrorRegistry]
    code: str = ""

    def __init_subclass__(cls, *, code: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if code is not None:
            cls.code = code

    def __init__(self, code: str | None = None, *, attr: str | None = None, **params: Any):
        if code is not None:
            self.code = code
        self.params = params
        self.spec: ErrorCode = self.registry[self.code]
        self._attr = attr
        super().__init__(self.spec.detail(**params))

    @property
    def members(self) -> dict[str, Any]:
        """Machine-readable facts the API adds to the error item beside ``code`` and
        ``detail`` (``busy`` on a ``time_conflict``, say); none by default."""
        return {}

    @property
    def attr(self) -> str | None:
        """The input field at fault, if the error is about one."""
        return self._attr or self.spec.attr
