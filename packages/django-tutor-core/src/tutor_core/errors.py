"""One error registry per package: code → HTTP status → message, written once.

A package builds its ``ErrorRegistry`` from ``ErrorCode`` entries (and the shared ones
here). The registry feeds the API's responses (``tutor_core.api.errors``), the OpenAPI
examples (``tutor_core.api.schema``) and the docs' error table (``table()``), so what
clients get, what the schema shows and what the docs say cannot drift apart.

Messages are translatable ``str.format`` templates. Placeholders named after a setting
are filled by the registry's ``parameters()`` when the message is rendered (so "at most
100 ids" follows the setting); the others come from the error itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from django.utils.functional import Promise

# Core is not an installed app: its own catalogue is read through tutor_core.translation.
from tutor_core.translation import gettext_lazy as _


def _no_parameters() -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class ErrorCode:
    code: str
    status: int
    #: A ``str.format`` template, normally a ``gettext_lazy`` string.
    message: str | Promise
    #: The request field a 400 names (its ``attr``); ``None`` for errors about no field.
    attr: str | None = None
    #: When a client gets it, for the docs.
    meaning: str | Promise = ""
    #: Values of the error's own placeholders, for examples and the docs.
    example: dict[str, Any] = field(default_factory=dict)
    #: Seconds a client should wait before it tries again: the ``Retry-After`` header.
    retry_after: int | None = None
    #: The placeholders that come from the package's settings (set by the registry).
    parameters: Callable[[], dict[str, Any]] = field(
        default=_no_parameters, compare=False, repr=False
    )

    def detail(self, **params: Any) -> str:
        """The message, in the active language, with its placeholders filled."""
        return str(self.message).format(**self.parameters(), **params)

    def example_detail(self) -> str:
        return self.detail(**self.example)


class ErrorRegistry(dict[str, ErrorCode]):
    """A package's codes, by code; each entry renders with the package's ``parameters``."""

    def __init__(
        self,
        codes: Iterable[ErrorCode],
        *,
        parameters: Callable[[], dict[str, Any]] = _no_parameters,
    ) -> None:
        super().__init__((code.code, replace(code, parameters=parameters)) for code in codes)

    def table(self, extra: dict[str, Callable[[ErrorCode], str]] | None = None) -> str:
        """The registry as a Markdown table, for the docs.

        ``extra`` adds columns after "example detail": a heading and what each row shows.
        """
        extra = extra or {}
        headings = ["code", "status", "field", "example detail", *extra, "when"]
        rows = ["| " + " | ".join(headings) + " |", "|" + "---|" * len(headings)]
        for error in self.values():
            cells = [
                f"`{error.code}`",
                str(error.status),
                f"`{error.attr}`" if error.attr else "",
                error.example_detail().replace("|", "\\|"),
                *(column(error) for column in extra.values()),
                str(error.meaning),
            ]
            rows.append("| " + " | ".join(cells) + " |")
        return "\n".join(rows) + "\n"


#: A body the JSON parser cannot read (DRF's own ``ParseError`` keeps its message).
PARSE_ERROR = ErrorCode(
    "parse_error",
    400,
    _("The JSON body is nested too deeply."),
    meaning="a body that is not JSON the API can read (e.g. nested too deeply)",
)
#: DRF's throttles answer it; listed so that the docs and the schema show it.
THROTTLED = ErrorCode(
    "throttled",
    429,
    _("Request was throttled. Expected available in {wait} seconds."),
    meaning="too many requests; wait the `Retry-After` header's seconds",
    example={"wait": 12},
)
