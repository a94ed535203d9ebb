"""Keyset pagination with signed cursors: one page of a list at a time, newest (or cheapest) first.

``KeysetPagination`` is a DRF ``BasePagination``. A list is ordered by one value field
and then the primary key (both ascending or both descending), which makes every position
unique: a page is the ``size`` rows after the position where the previous page ended,
so rows with equal values are neither repeated nor skipped and rows added meanwhile
never shift the pages that follow. The position travels as an opaque cursor
(``tutor_core.cursors``) signed with the list's name, its owner (the user it was issued
to, for a list that is not the same for everyone) and the filters of its page.

A cursor is read strictly: beyond the codec's refusals (altered, malformed, over-long,
another list's: ``invalid_cursor``; another user's: ``foreign_cursor``; other filters:
``stale_cursor``), its position must be exactly a value of the sort field's type (an
aware datetime, a decimal, an integer…) and an id of the primary key's type (an integer
id is never a bool or a float). Each refusal becomes the exception ``cursor_error``
returns: by default a 400 naming ``cursor`` with core's code; a package maps the codes
onto its own registry.

Two ways to use it:

- as a view's ``pagination_class`` (a generic view's ``paginate_queryset`` and
  ``get_paginated_response``; ``cursor`` and ``page_size`` come from the query, the owner
  from ``request.user``, the bound filters from ``get_cursor_filters``);
- as a configured instance a selector calls, ``paginate(queryset, cursor=…, size=…,
  owner=…, filters=…)``, which needs no request (a cached page is computed without one)
  and may read the page's rows from its own source (``rows=``), e.g. written SQL, with
  the ORM's keyset query as the fallback.

Either way the answer is the envelope ``{"results": […], "cursor": "…" | null,
"has_more": bool}``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import Q, QuerySet
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response

from tutor_core.api.errors import validation_error
from tutor_core.cursors import FOREIGN, INVALID, STALE, CursorError, SignedCursors
from tutor_core.errors import ErrorCode
from tutor_core.translation import gettext_lazy as _

__all__ = [
    "CURSOR_ERRORS",
    "CursorError",
    "KeysetPage",
    "KeysetPagination",
    "Position",
    "SignedCursors",
]

#: Core's cursor codes, for a registry that keeps them (``cursor_error``'s default).
CURSOR_ERRORS: dict[str, ErrorCode] = {
    INVALID: ErrorCode(
        INVALID,
        400,
        _("This cursor is not valid; start again from the first page."),
        attr="cursor",
        meaning="a cursor that was altered, is malformed, or belongs to another list",
    ),
    FOREIGN: ErrorCode(
        FOREIGN,
        400,
        _("This cursor was issued to another user."),
        attr="cursor",
        meaning="a cursor issued to someone else",
    ),
    STALE: ErrorCode(
        STALE,
        400,
        _("This cursor was made for other filters; start again from the first page."),
        attr="cursor",
        meaning="a cursor sent with other filters than its page had",
    ),
}


@dataclass(frozen=True)
class Position:
    """Where the previous page ended: the last row's sort value and id."""

    value: Any
    id: Any


@dataclass(frozen=True)
class KeysetPage:
    """One page: its rows and the cursor of the next page (``None`` on the last page)."""

    rows: Sequence[Any]
    cursor: str | None

    @property
    def has_more(self) -> bool:
        return self.cursor is not None

    def envelope(self, results: Any) -> dict[str, Any]:
        """The page's JSON body, with ``results`` (its rows as rendered)."""
        return {"results": results, "cursor": self.cursor, "has_more": self.has_more}


#: A page's own row source: ``(after, limit) -> rows``, or ``None`` for the ORM's query.
RowSource = Callable[[Position | None, int], Sequence[Any] | None]


class KeysetPagination(BasePagination):
    """Keyset pagination on ``(field, pk)``, with signed cursors.

    Configure it by subclassing (as a ``pagination_class``) or with keyword arguments
    (``KeysetPagination(listing="tutors", field="created", …)``), which override the
    class attributes below. An instance keeps no state between calls of ``paginate``:
    one configured instance may serve every request.
    """

    #: The codec; its salt keeps a package's cursors apart from other signed values.
    cursors: SignedCursors = SignedCursors(salt="tutor_core.pagination")
    #: The list's name: a cursor of another list is ``invalid_cursor``.
    listing: str = ""
    #: The sort value's field (never null); ties are broken by the primary key.
    field: str = "created"
    descending: bool = True
    #: Whether a cursor is bound to the user it was issued to (``request.user.pk``).
    owner_bound: bool = True
    #: The model whose fields type the position; ``None``: the queryset's model.
    model: type[models.Model] | None = None
    #: For ``pagination_class`` use: the page size, the most a client may ask for, the
    #: query parameters, and those the cursor is bound to (``get_cursor_filters``).
    page_size: int = 20
    max_page_size: int = 100
    cursor_query_param: str = "cursor"
    page_size_query_param: str = "page_size"
    filter_params: Sequence[str] = ()

    #: Set by ``paginate_queryset`` for ``get_paginated_response``.
    page: KeysetPage | None = None

    _OPTIONS: ClassVar[frozenset[str]] = frozenset(
        {
            "cursors",
            "listing",
            "field",
            "descending",
            "owner_bound",
            "model",
            "page_size",
            "max_page_size",
            "cursor_query_param",
            "page_size_query_param",
            "filter_params",
        }
    )

    def __init__(self, **options: Any) -> None:
        unknown = set(options) - self._OPTIONS
        if unknown:
            raise TypeError(f"unknown KeysetPagination options: {sorted(unknown)}")
        for name, value in options.items():
            setattr(self, name, value)

    # The page -------------------------------------------------------------------------

    def paginate(
        self,
        queryset: QuerySet[Any] | Callable[[], QuerySet[Any]],
        *,
        cursor: str | None,
        size: int,
        owner: Any = None,
        filters: Any = None,
        rows: RowSource | None = None,
    ) -> KeysetPage:
        """The page after ``cursor`` (the first page when it is ``None``): ``size`` rows.

        ``owner`` is the user's pk for an owner-bound list, ``filters`` any JSON value
        (the filters of the page, or a digest of them). ``rows``, if given, reads the
        page first (``rows(after, size + 1)``, in this ordering, past ``after``); when it
        answers ``None`` the ORM's keyset query on ``queryset`` does. ``queryset`` may be
        a callable that builds it, so that such a page need not (then set ``model``).
        ``size + 1`` rows are fetched to learn whether another page follows.
        """
        model = self.model
        if model is None:
            if callable(queryset) and not isinstance(queryset, QuerySet):
                raise TypeError("KeysetPagination needs its model to take a queryset builder")
            model = queryset.model
        after = self.decode(cursor, model=model, owner=owner, filters=filters) if cursor else None
        found = rows(after, size + 1) if rows is not None else None
        if found is None:
            source = queryset if isinstance(queryset, QuerySet) else queryset()
            found = list(self.keyset(source, after)[: size + 1])
        return self.page_of(found, size=size, owner=owner, filters=filters)

    def keyset(self, queryset: QuerySet[Any], after: Position | None) -> QuerySet[Any]:
        """``queryset`` in this ordering, past ``after`` (all of it when ``None``)."""
        if after is not None:
            past = "lt" if self.descending else "gt"
            queryset = queryset.filter(
                Q(**{f"{self.field}__{past}": after.value})
                | Q(**{self.field: after.value, f"pk__{past}": after.id})
            )
        sign = "-" if self.descending else ""
        return queryset.order_by(f"{sign}{self.field}", f"{sign}pk")

    def page_of(
        self, rows: Sequence[Any], *, size: int, owner: Any = None, filters: Any = None
    ) -> KeysetPage:
        """``size`` of ``rows`` (up to ``size + 1``), with the next cursor if any is left."""
        if len(rows) <= size:
            return KeysetPage(rows, None)
        rows = rows[:size]
        last = rows[-1]
        cursor = self.encode(
            Position(getattr(last, self.field), last.pk), owner=owner, filters=filters
        )
        return KeysetPage(rows, cursor)

    # The cursor -----------------------------------------------------------------------

    def encode(self, position: Position, *, owner: Any = None, filters: Any = None) -> str:
        """The cursor of ``position`` for this list, owner and filters."""
        return self.cursors.dumps(
            listing=self.listing,
            owner=owner if self.owner_bound else None,
            filters=filters,
            position=[_json_value(position.value), _json_value(position.id)],
        )

    def decode(
        self, cursor: str, *, model: type[models.Model], owner: Any = None, filters: Any = None
    ) -> Position:
        """The position ``cursor`` names; the exception of ``cursor_error`` if none."""
        try:
            position = self.cursors.loads(
                cursor,
                listing=self.listing,
                owner=owner if self.owner_bound else None,
                filters=filters,
            )
            if len(position) != 2:
                raise CursorError(INVALID)
            value_text, id_value = position
            value = _typed(model._meta.get_field(self.field), value_text)
            identifier = _typed(model._meta.pk, id_value)
        except CursorError as error:
            raise self.cursor_error(error.code) from error
        except (ValueError, TypeError, ArithmeticError, DjangoValidationError) as error:
            raise self.cursor_error(INVALID) from error
        return Position(value, identifier)

    def cursor_error(self, code: str) -> Exception:
        """What a refused cursor raises: core's 400 by default; a package overrides it."""
        return validation_error(CURSOR_ERRORS[code])

    # DRF's pagination_class interface -------------------------------------------------

    def get_cursor_filters(self, request: Request, view: Any = None) -> Any:
        """The filters a cursor is bound to: ``filter_params`` as the query has them."""
        return {name: request.query_params.get(name) or None for name in self.filter_params}

    def get_page_size(self, request: Request) -> int:
        text = request.query_params.get(self.page_size_query_param)
        if text is None:
            return self.page_size
        field = serializers.IntegerField(min_value=1, max_value=self.max_page_size)
        try:
            size: int = field.run_validation(text)
        except ValidationError as error:
            raise ValidationError({self.page_size_query_param: error.detail}) from None
        return size

    def paginate_queryset(
        self, queryset: QuerySet[Any] | Sequence[Any], request: Request, view: Any = None
    ) -> list[Any]:
        if not isinstance(queryset, QuerySet):
            raise TypeError("KeysetPagination pages a queryset, not a list")
        cursor = request.query_params.get(self.cursor_query_param, "").strip() or None
        self.page = self.paginate(
            queryset,
            cursor=cursor,
            size=self.get_page_size(request),
            owner=request.user.pk if self.owner_bound else None,
            filters=self.get_cursor_filters(request, view),
        )
        return list(self.page.rows)

    def get_paginated_response(self, data: Any) -> Response:
        if self.page is None:
            raise RuntimeError("get_paginated_response before paginate_queryset")
        return Response(self.page.envelope(data))

    def get_paginated_response_schema(self, schema: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "required": ["results", "cursor", "has_more"],
            "properties": {
                "results": schema,
                "cursor": {
                    "type": "string",
                    "nullable": True,
                    "description": (
                        f"Pass as `?{self.cursor_query_param}=` for the next page; null on "
                        "the last page. Opaque."
                    ),
                },
                "has_more": {"type": "boolean", "description": "True when another page follows."},
            },
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": (
                    "The `cursor` of the previous page, as given; absent or empty for the "
                    "first page."
                ),
                "schema": {"type": "string", "maxLength": self.cursors.max_length},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page: 1 to {self.max_page_size} "
                f"(default {self.page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]


def _json_value(value: Any) -> Any:
    """A sort value or id as JSON: an int as is, a date or time in ISO 8601, else text."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def _typed(field: Any, value: Any) -> Any:
    """A cursor's JSON ``value`` as ``field``'s Python value; ``ValueError`` if it is not one."""
    if isinstance(field, models.IntegerField):  # AutoField and BigAutoField too
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("not an integer")
        return value
    if not isinstance(value, str):
        raise ValueError("not text")
    if isinstance(field, models.DateTimeField):
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError("naive timestamp")
        return moment
    if isinstance(field, models.DateField):
        return date.fromisoformat(value)
    if isinstance(field, models.DecimalField):
        number = Decimal(value)
        if not number.is_finite():
            raise InvalidOperation(value)
        return number
    return field.to_python(value)
