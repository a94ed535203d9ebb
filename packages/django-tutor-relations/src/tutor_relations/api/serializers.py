"""Input and output shapes of the relations API. Business rules live in ``services``.

Outputs are built by plain functions (``relation_for_tutor`` and friends) that return
JSON-ready dicts: the same dict is rendered, and stored for an ``Idempotency-Key`` replay.
The output serializer classes describe those shapes for the OpenAPI schema.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, NoReturn

from django.db import models
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tutor_core.api.fields import MAX_ID, UserField
from tutor_core.api.fields import user_key_is_integer as user_key_is_integer
from tutor_core.api.schema import described
from tutor_relations.conf import relations_settings
from tutor_relations.errors import BATCH_ITEM_ERRORS, CODES, settings_parameters
from tutor_relations.models import RELATION_STATUS, RelationStatusLog, TutorStudentRelation

# ``MAX_ID`` (the largest id a batch may name: PostgreSQL's bigint), ``UserField`` and
# ``user_key_is_integer`` are core's since 1.0, importable from here as before.


def utc_iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def json_user_id(user_id: Any) -> Any:
    """A user id as JSON: a number for integer keys, text otherwise (UUIDs)."""
    return user_id if isinstance(user_id, int) else str(user_id)


def person(user: Any) -> dict[str, Any]:
    return {"id": json_user_id(user.pk), "display_name": relations_settings.USER_DISPLAY_NAME(user)}


def relation_for_tutor(relation: TutorStudentRelation) -> dict[str, Any]:
    return {
        "id": relation.pk,
        "student": person(relation.student),
        "status": relation.status,
        "created_at": utc_iso(relation.created),
        "updated_at": utc_iso(relation.modified),
    }


def relation_for_student(relation: TutorStudentRelation) -> dict[str, Any]:
    return {
        "id": relation.pk,
        "tutor": person(relation.tutor),
        "status": relation.status,
        "created_at": utc_iso(relation.created),
        "updated_at": utc_iso(relation.modified),
    }


def log_entry(entry: RelationStatusLog, *, with_student: bool = False) -> dict[str, Any]:
    data = {
        "id": entry.pk,
        "relation_id": entry.relation_id,
        "prev_status": entry.prev_status,
        "new_status": entry.new_status,
        "actor_id": json_user_id(entry.actor_id) if entry.actor_id is not None else None,
        "timestamp": utc_iso(entry.timestamp),
        "metadata": entry.metadata,
    }
    if with_student:
        data["student"] = person(entry.relation.student)
    return data


# Input ---------------------------------------------------------------------------------


def _registry_error(code: str, **params: Any) -> serializers.ValidationError:
    return serializers.ValidationError(CODES[code].detail(**params), code=code)


class TutorField(UserField):
    """A user the requesting student may ask to be their tutor, in one query.

    The candidates are the active users that ``TUTOR_ELIGIBILITY`` keeps, the student
    excluded. An id of anyone else — unknown, inactive, ineligible, the student's own —
    is the same 400 ``unavailable_tutor``, with the same detail, so ids cannot be probed.
    A value of the wrong type is still ``incorrect_type``: it names nobody.
    """

    def get_queryset(self) -> models.QuerySet:
        users = relations_settings.TUTOR_ELIGIBILITY(super().get_queryset())
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            users = users.exclude(pk=user.pk)
        return users

    def fail(self, key: str, **kwargs: Any) -> NoReturn:
        if key == "does_not_exist":
            raise _registry_error("unavailable_tutor")
        super().fail(key, **kwargs)


@extend_schema_field(
    {
        "type": "array",
        "items": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
        "minItems": 1,
        "example": [1, 2, 3],
    }
)
class BatchIdsField(serializers.Field):
    """A non-empty JSON list of positive integers, at most ``MAX_BATCH_SIZE`` of them.

    Strict on purpose: ``"5"``, ``5.0`` and ``true`` are not ids (loose parsing would
    turn them into relation 5, or 1).
    """

    default_error_messages = {
        "not_a_list": _('Expected a list of ids but got type "{input_type}".'),
        "empty": _("Send at least one id."),
    }

    def to_internal_value(self, data: Any) -> list[int]:
        if not isinstance(data, list):
            self.fail("not_a_list", input_type=type(data).__name__)
        if not data:
            self.fail("empty")
        if len(data) > relations_settings.MAX_BATCH_SIZE:
            raise _registry_error("too_many_ids")
        for value in data:
            if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
                raise _registry_error("invalid_id", value=_shown(value))
        return data

    def to_representation(self, value: list[int]) -> list[int]:
        return value


def _shown(value: Any) -> str:
    text = "null" if value is None else str(value).lower() if isinstance(value, bool) else None
    if text is None:
        text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


class BatchRequestSerializer(serializers.Serializer):
    ids = BatchIdsField(
        help_text=described(
            # A lazy template: core's ``described`` formats it when the schema is built.
            _("The relation ids, at most {max_batch_size}; duplicates are reported once."),
            settings_parameters,
        )
    )


class RelationCreateSerializer(serializers.Serializer):
    tutor = TutorField(
        help_text=_(
            "The tutor's user id: an active user whom the host offers as a tutor "
            "(`TUTOR_ELIGIBILITY`), not you."
        )
    )


class PageQuerySerializer(serializers.Serializer):
    """``cursor`` and ``page_size`` of a cursor-paginated list."""

    cursor = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=_(
            "The `cursor` of the previous page, as given; absent or empty for the first page."
        ),
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        # Built per instance: the limits follow the settings, in responses and schema.
        fields["page_size"] = serializers.IntegerField(
            required=False,
            min_value=1,
            max_value=relations_settings.MAX_PAGE_SIZE,
            help_text=_(
                "Rows per page: 1 to {max_page_size} (default {page_size}); more is a 400 "
                "`max_value`."
            ).format(
                max_page_size=relations_settings.MAX_PAGE_SIZE,
                page_size=relations_settings.PAGE_SIZE,
            ),
        )
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs.setdefault("page_size", relations_settings.PAGE_SIZE)
        # ``?cursor=`` (or only whitespace) is the first page, as in the marketplace listing.
        attrs["cursor"] = attrs.get("cursor") or None
        return attrs


class StatusPageQuerySerializer(PageQuerySerializer):
    status = serializers.ChoiceField(
        choices=list(RELATION_STATUS),
        required=False,
        help_text=_("Only relations in this status; all when absent."),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs.setdefault("status", None)
        return super().validate(attrs)


# Output, for the schema -----------------------------------------------------------------


class PersonSerializer(serializers.Serializer):
    id = UserField(read_only=True, help_text=_("The user's id."))
    display_name = serializers.CharField(
        read_only=True, help_text=_("From the host's `USER_DISPLAY_NAME` hook.")
    )


class TutorRelationSerializer(serializers.Serializer):
    """A relation as its tutor sees it."""

    id = serializers.IntegerField(read_only=True, help_text=_("The relation id."))
    student = PersonSerializer(read_only=True)
    status = serializers.ChoiceField(choices=list(RELATION_STATUS), read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class StudentRelationSerializer(serializers.Serializer):
    """A relation as its student sees it."""

    id = serializers.IntegerField(read_only=True, help_text=_("The relation id."))
    tutor = PersonSerializer(read_only=True)
    status = serializers.ChoiceField(choices=list(RELATION_STATUS), read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class LogMetadataSerializer(serializers.Serializer):
    # Built here rather than declared: type checkers read a class attribute ``source`` as
    # the serializer's own ``Field.source`` (DRF's metaclass takes it away at run time).
    def get_fields(self) -> dict[str, serializers.Field]:
        return {
            "source": serializers.ChoiceField(choices=["single", "batch"], read_only=True),
            "request_id": serializers.CharField(read_only=True, allow_null=True),
        }


class LogEntrySerializer(serializers.Serializer):
    """One audit-log row: a status change, or the creation (empty `prev_status`)."""

    id = serializers.IntegerField(read_only=True)
    relation_id = serializers.IntegerField(read_only=True)
    prev_status = serializers.ChoiceField(
        # In the statuses' own order (a set's would change from one process to the next).
        choices=["", *(value for value, _label in RELATION_STATUS)],
        read_only=True,
    )
    new_status = serializers.ChoiceField(choices=list(RELATION_STATUS), read_only=True)
    actor_id = UserField(read_only=True, allow_null=True, help_text=_("Who made the change."))
    timestamp = serializers.DateTimeField(read_only=True)
    metadata = LogMetadataSerializer(read_only=True)


class RecentActionSerializer(LogEntrySerializer):
    student = PersonSerializer(read_only=True)


def _page_serializer(name: str, item: serializers.Serializer) -> type[serializers.Serializer]:
    return type(
        name,
        (serializers.Serializer,),
        {
            "results": item,
            "cursor": serializers.CharField(
                allow_null=True,
                help_text=_(
                    "Pass as `?cursor=` for the next page; null on the last page. "
                    "Opaque: do not parse it."
                ),
            ),
            "has_more": serializers.BooleanField(help_text=_("True when another page follows.")),
            "__doc__": "A page of a cursor-paginated list, newest first.",
        },
    )


TutorRelationPageSerializer = _page_serializer(
    "TutorRelationPage", TutorRelationSerializer(many=True)
)
StudentRelationPageSerializer = _page_serializer(
    "StudentRelationPage", StudentRelationSerializer(many=True)
)
RecentActionPageSerializer = _page_serializer("RecentActionPage", RecentActionSerializer(many=True))


class TimelineSerializer(serializers.Serializer):
    relation_id = serializers.IntegerField()
    results = LogEntrySerializer(many=True, help_text=_("Oldest first."))


class BatchFailureSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    error = serializers.ChoiceField(choices=list(BATCH_ITEM_ERRORS.values()))


class BatchResultSerializer(serializers.Serializer):
    processed = serializers.ListField(
        child=serializers.IntegerField(), help_text=_("The ids changed by this request.")
    )
    failed = BatchFailureSerializer(many=True, help_text=_("The ids left as they were, and why."))
