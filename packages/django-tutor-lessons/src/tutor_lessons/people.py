"""How a lesson names its people: the ``USER_DISPLAY_NAME`` hook and the fields it reads.

Each lesson in a response carries ``tutor_display_name`` and ``student_display_name``
(SPEC §2.1). The hook takes a user; the package reads of each user only the fields
``USER_LISTED_FIELDS`` names (and the key), so the calendar stays one query however
many lessons it shows, and each person is named once per response.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from tutor_lessons.conf import lessons_settings
from tutor_lessons.models import Lesson


def listed_fields() -> tuple[models.Field, ...]:
    """The fields of AUTH_USER_MODEL that ``USER_LISTED_FIELDS`` names, key aside.

    Names the model does not have (the default's ``first_name`` on a model without
    one), and relations that are not a column of its table, are skipped.
    """
    model = get_user_model()
    found: list[models.Field] = []
    for name in lessons_settings.USER_LISTED_FIELDS or ():
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if (
            isinstance(field, models.Field)
            and field.concrete
            and not field.primary_key
            and field.model._meta.concrete_model is model
            and field not in found
        ):
            found.append(field)
    return tuple(found)


class DisplayNames(dict[Any, str]):
    """Display names by user id, built from the listed fields' values of each user.

    Each user is built (with only those fields loaded) and named once, however many
    lessons name them: a calendar of 500 lessons has a few people in it.
    """

    def __init__(self, alias: str, fields: Sequence[models.Field]) -> None:
        super().__init__()
        self.alias = alias
        self.model = get_user_model()
        given = [self.model._meta.pk.attname, *(field.attname for field in fields)]
        # Model.from_db() takes the loaded values in the order of the model's fields.
        concrete = [field.attname for field in self.model._meta.concrete_fields]
        self.order = sorted(range(len(given)), key=lambda index: concrete.index(given[index]))
        self.attnames = [given[index] for index in self.order]
        self.hook = lessons_settings.USER_DISPLAY_NAME

    def add(self, user_id: Any, values: Sequence[Any]) -> None:
        if user_id not in self:
            given = [user_id, *values]
            loaded = [given[index] for index in self.order]
            user = self.model.from_db(self.alias, self.attnames, loaded)
            self[user_id] = str(self.hook(user))


def participant_names(lesson: Lesson, *, known: Iterable[Any] = ()) -> dict[Any, str]:
    """The display names of ``lesson``'s tutor and student, by user id.

    A participant among ``known`` (the requesting user, say) or already on the lesson
    (``Lesson(tutor=..., student=...)``) is not read again; the others are read in one
    query, with only the listed fields.
    """
    users = {user.pk: user for user in known}
    for name in ("tutor", "student"):
        link = Lesson._meta.get_field(name)
        if isinstance(link, models.ForeignKey) and link.is_cached(lesson):
            user = link.get_cached_value(lesson)
            if user is not None:
                users.setdefault(user.pk, user)
    missing = {lesson.tutor_id, lesson.student_id} - users.keys()
    if missing:
        model = get_user_model()
        fields = [model._meta.pk.name, *(field.name for field in listed_fields())]
        users.update(
            (user.pk, user) for user in model._default_manager.filter(pk__in=missing).only(*fields)
        )
    hook = lessons_settings.USER_DISPLAY_NAME
    return {user_id: str(hook(users[user_id])) for user_id in (lesson.tutor_id, lesson.student_id)}
