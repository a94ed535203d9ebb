"""Queries on hot paths, written once per database instead of compiled on every request.

Django builds and compiles a queryset anew each time it runs: for a small query that
is often more than the database round trip itself. ``written_select(model, alias,
link=...)`` writes the ``SELECT`` of all of a model's concrete columns (and, through a
foreign key ``link``, all of the related model's, as ``select_related`` would) once per
database, and reads its rows back into the same instances the ORM builds: the columns
converted by the backend's and the fields' converters, the related instance cached on
the link. A caller adds its own ``WHERE``/``ORDER BY``/``LIMIT``, using ``column()`` for
quoted names and ``prepare()`` for parameters prepared as the ORM prepares them.

It gives up (``None``, so the caller keeps its ORM query) for what one plain join
cannot read: multi-table inheritance, or a link that is not a foreign key. Each caller
keeps a test that its written query answers as its ORM query does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connections, models

ModelT = TypeVar("ModelT", bound=models.Model)


def _field(model: type[models.Model], name: str) -> models.Field:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise TypeError(f"{model.__name__}.{name} is not a concrete field")
    return field


def _column(field: models.Field) -> str:
    if field.column is None:  # only fields that are not concrete have none
        raise TypeError(f"{field} has no column")
    return field.column


def single_table_fields(model: type[models.Model]) -> list[models.Field] | None:
    """The concrete fields of ``model`` if they all live in its own table, else None."""
    fields = list(model._meta.concrete_fields)
    if model._meta.parents or any(f.model._meta.concrete_model is not model for f in fields):
        return None
    return fields


@dataclass(frozen=True)
class WrittenSelect(Generic[ModelT]):
    """The ``SELECT … FROM …`` of one model (and its link) on one database."""

    alias: str
    model: type[ModelT]
    #: ``SELECT <columns> FROM <table> [INNER JOIN <related table> ON …]``.
    select: str
    #: The attribute names of the selected columns: the model's, then the related model's.
    names: Sequence[str]
    related_names: Sequence[str]
    link: models.ForeignKey | None
    #: (column index, converters, expression) of the columns that need converting.
    converters: Sequence[tuple[int, Sequence[Callable[..., Any]], Any]]

    def column(self, name: str) -> str:
        """The quoted ``table.column`` of the model's field ``name``."""
        quote = connections[self.alias].ops.quote_name
        return f"{quote(self.model._meta.db_table)}.{quote(_column(_field(self.model, name)))}"

    def prepare(self, name: str, value: Any) -> Any:
        """``value`` as a parameter for the model's field ``name``, as the ORM prepares it."""
        field = _field(self.model, name)
        target = field.target_field if isinstance(field, models.ForeignKey) else field
        return target.get_db_prep_value(value, connections[self.alias])

    def instances(self, tail: str, params: Sequence[Any]) -> list[ModelT]:
        """The model instances of ``select`` + ``tail``, with the related one cached."""
        connection = connections[self.alias]
        with connection.cursor() as cursor:
            cursor.execute(f"{self.select} {tail}", params)
            rows = cursor.fetchall()
        split = len(self.names)
        related = self.link.related_model if self.link is not None else None
        found = []
        for row in rows:
            values = list(row)
            for index, converters, expression in self.converters:
                for converter in converters:
                    values[index] = converter(values[index], expression, connection)
            instance = self.model.from_db(self.alias, self.names, values[:split])
            if self.link is not None and isinstance(related, type):
                # As select_related() leaves it: the related instance is there, no query.
                self.link.set_cached_value(
                    instance, related.from_db(self.alias, self.related_names, values[split:])
                )
            found.append(instance)
        return found


#: Written selects by (model, alias, link): each is written once per process.
_WRITTEN: dict[tuple[type[models.Model], str, str | None], Any] = {}


def written_select(
    model: type[ModelT], alias: str, *, link: str | None = None
) -> WrittenSelect[ModelT] | None:
    """The written select of ``model`` (joined through its foreign key ``link``) on ``alias``."""
    key = (model, alias, link)
    if key not in _WRITTEN:
        _WRITTEN[key] = _write(model, alias, link)
    written: WrittenSelect[ModelT] | None = _WRITTEN[key]
    return written


def _write(model: type[ModelT], alias: str, link: str | None) -> WrittenSelect[ModelT] | None:
    fields = single_table_fields(model)
    link_field = model._meta.get_field(link) if link is not None else None
    related = link_field.related_model if isinstance(link_field, models.ForeignKey) else None
    related_fields = single_table_fields(related) if isinstance(related, type) else []
    if fields is None or related_fields is None:
        return None
    if link is not None and not isinstance(link_field, models.ForeignKey):
        return None
    connection = connections[alias]
    quote = connection.ops.quote_name
    table = model._meta.db_table
    columns = [(table, field) for field in fields]
    source = quote(table)
    if isinstance(link_field, models.ForeignKey) and isinstance(related, type):
        related_table = related._meta.db_table
        columns += [(related_table, field) for field in related_fields]
        source += (
            f" INNER JOIN {quote(related_table)} ON {quote(table)}.{quote(_column(link_field))}"
            f" = {quote(related_table)}.{quote(_column(link_field.target_field))}"
        )
    converters = []
    for index, (column_table, field) in enumerate(columns):
        expression = field.get_col(column_table)
        found = connection.ops.get_db_converters(expression) + expression.get_db_converters(
            connection
        )
        if found:
            converters.append((index, found, expression))
    selected = ", ".join(f"{quote(t)}.{quote(_column(field))}" for t, field in columns)
    return WrittenSelect(
        alias=alias,
        model=model,
        select=f"SELECT {selected} FROM {source}",
        names=tuple(field.attname for field in fields),
        related_names=tuple(field.attname for field in related_fields),
        link=link_field if isinstance(link_field, models.ForeignKey) else None,
        converters=tuple(converters),
    )
