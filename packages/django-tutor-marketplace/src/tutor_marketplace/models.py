"""Tutor profiles, their subjects and weekly availability, autosave drafts and metrics.

Querysets of the listed models invalidate the listing cache themselves on ``update()``,
``bulk_update()``, ``bulk_create()`` and ``delete()``: those paths send no ``post_save``,
so the receivers in ``tutor_marketplace.receivers`` would not see them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from model_utils import FieldTracker
from model_utils.models import TimeStampedModel

from tutor_marketplace.invalidation import schedule_invalidation

#: Profile fields the listing shows or filters on; a save that changes none of them
#: leaves the listing cache alone. (Subjects, an M2M, are watched by ``m2m_changed``.)
LISTED_FIELDS = ("headline", "description", "is_published", "hourly_rate", "currency")


def normalise_subject_name(name: str) -> str:
    """Subjects are stored trimmed and case-folded ("  Maths " and "MATHS" are one)."""
    return " ".join(name.split()).casefold()


class Subject(models.Model):
    name = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def users_have_is_active() -> bool:
    """Whether AUTH_USER_MODEL has an ``is_active`` field (``AbstractBaseUser`` has only a
    class attribute, always True, which no query can filter on)."""
    try:
        field = get_user_model()._meta.get_field("is_active")
    except FieldDoesNotExist:
        return False
    return bool(getattr(field, "concrete", False))


class ListingQuerySet(models.QuerySet):
    """Bulk writes that bypass ``post_save`` invalidate the listing after commit.

    Only when a listing can show the rows: ``_any_published()`` and
    ``_objects_published(objs)`` say whether any of them is (or was) on a published
    profile (a cheap ``EXISTS``, before the write), so a bulk write to an unpublished
    profile leaves everyone's cached pages alone.
    """

    listing_fields: frozenset[str] = frozenset()
    #: The lookup from a row to its profile's ``is_published``.
    published_lookup = "is_published"

    def _touches_listing(self, fields: Iterable[str]) -> bool:
        return not self.listing_fields or bool(self.listing_fields & set(fields))

    def _any_published(self) -> bool:
        return self.filter(**{self.published_lookup: True}).exists()

    def _objects_published(self, objs: list[Any]) -> bool:
        """Whether any of ``objs`` is, or (saved) was, on a published profile."""
        raise NotImplementedError

    def _stored_published(self, pks: set[Any]) -> bool:
        """Whether any stored row of ``pks`` (whatever this queryset's filters) is listed."""
        rows = self.model._default_manager.filter(pk__in=pks, **{self.published_lookup: True})
        return bool(pks) and rows.exists()

    def update(self, **kwargs: Any) -> int:
        listed = self._touches_listing(kwargs) and (
            self._moves_into_listing(kwargs) or self._any_published()
        )
        rows = super().update(**kwargs)
        if rows and listed:
            schedule_invalidation(reason=f"{self.model._meta.model_name}_update")
        return rows

    def _moves_into_listing(self, changes: dict[str, Any]) -> bool:
        return False

    def bulk_update(
        self, objs: Iterable[Any], fields: Iterable[str], batch_size: int | None = None
    ) -> int:
        objs, fields = list(objs), list(fields)
        listed = self._touches_listing(fields) and self._objects_published(objs)
        rows = super().bulk_update(objs, fields, batch_size=batch_size)
        if rows and listed:
            schedule_invalidation(reason=f"{self.model._meta.model_name}_bulk_update")
        return rows

    def bulk_create(self, objs: Iterable[Any], *args: Any, **kwargs: Any) -> list[Any]:
        created = super().bulk_create(objs, *args, **kwargs)
        if created and self._objects_published(created):
            schedule_invalidation(reason=f"{self.model._meta.model_name}_bulk_create")
        return created

    def delete(self) -> tuple[int, dict[str, int]]:
        listed = self._any_published()
        deleted = super().delete()
        if deleted[0] and listed:
            schedule_invalidation(reason=f"{self.model._meta.model_name}_delete")
        return deleted


class SlotQuerySet(ListingQuerySet):
    published_lookup = "profile__is_published"

    def _objects_published(self, objs: list[Any]) -> bool:
        profiles = {slot.profile_id for slot in objs}
        moved = {slot.pk for slot in objs if slot.pk is not None}
        return TutorProfile.objects.filter(
            pk__in=profiles, is_published=True
        ).exists() or self._stored_published(moved)

    def _moves_into_listing(self, changes: dict[str, Any]) -> bool:
        # A slot moved to another profile: that profile may be published.
        return "profile" in changes or "profile_id" in changes


class TutorProfileQuerySet(ListingQuerySet):
    listing_fields = frozenset(LISTED_FIELDS)

    def listed(self) -> TutorProfileQuerySet:
        tutors = self.filter(is_published=True, hourly_rate__isnull=False)
        if users_have_is_active():
            tutors = tutors.filter(user__is_active=True)
        return tutors

    def _objects_published(self, objs: list[Any]) -> bool:
        saved = {profile.pk for profile in objs if profile.pk is not None}
        return any(profile.is_published for profile in objs) or self._stored_published(saved)

    def _moves_into_listing(self, changes: dict[str, Any]) -> bool:
        # Publishing unpublished profiles (a True value, or an expression: assume it is).
        return "is_published" in changes and changes["is_published"] is not False


class TutorProfile(TimeStampedModel):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tutor_profile"
    )
    headline = models.CharField(max_length=120, blank=True)
    description = models.TextField(blank=True)
    is_published = models.BooleanField(default=False)
    hourly_rate = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, default="UAH")
    subjects = models.ManyToManyField(Subject, blank=True, related_name="profiles")

    tracker = FieldTracker(fields=list(LISTED_FIELDS))
    objects = TutorProfileQuerySet.as_manager()

    #: Not a field: the profiles of a listing page (``selectors.tutors_page``) carry their
    #: subjects' names, sorted, here.
    listed_subjects: list[str]

    class Meta:
        indexes = [
            # The listing's keyset orderings, over published profiles only.
            models.Index(
                fields=["hourly_rate", "id"],
                name="tutor_mkt_rate_idx",
                condition=Q(is_published=True),
            ),
            models.Index(
                F("created").desc(),
                F("id").desc(),
                name="tutor_mkt_created_idx",
                condition=Q(is_published=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(hourly_rate__gte=0) | Q(hourly_rate__isnull=True),
                name="tutor_mkt_rate_not_negative",
            )
        ]

    def __str__(self) -> str:
        return self.headline or f"Profile of user {self.user_id}"


class WeeklyAvailability(models.Model):
    """One weekly slot: ``weekday`` 0 (Monday) to 6, from ``start`` to ``end`` the same day."""

    profile = models.ForeignKey(TutorProfile, on_delete=models.CASCADE, related_name="slots")
    weekday = models.PositiveSmallIntegerField()
    start = models.TimeField()
    end = models.TimeField()

    objects = SlotQuerySet.as_manager()

    class Meta:
        ordering = ["weekday", "start"]
        verbose_name_plural = "weekly availability"
        indexes = [models.Index(fields=["weekday", "profile"], name="tutor_mkt_weekday_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="tutor_mkt_weekday_range"),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="tutor_mkt_slot_order"),
        ]

    def __str__(self) -> str:
        return f"{self.weekday} {self.start:%H:%M}-{self.end:%H:%M}"


class ProfileDraft(models.Model):
    """The autosaved draft of a user's profile; ``version`` is its ETag."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tutor_profile_draft"
    )
    data = models.JSONField()
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Draft v{self.version} of user {self.user_id}"


class MetricName(models.TextChoices):
    QUERY_DURATION_MS = "marketplace_query_duration_ms"
    CACHE_HIT = "marketplace_cache_hit"
    CACHE_MISS = "marketplace_cache_miss"
    RESULT_COUNT = "marketplace_result_count"


class MarketplaceMetrics(models.Model):
    """One metric of the listing requests of one minute and label set (SPEC §3.2).

    ``value`` is the sum of ``count`` samples (a mean is ``value / count``); ``created_at``
    is the start of the minute. Rows written by 0.9 are single samples (``count`` 1).
    """

    metric = models.CharField(max_length=64, choices=MetricName.choices)
    value = models.FloatField()
    count = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    labels = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = "marketplace metric sample"
        verbose_name_plural = "marketplace metrics"
        indexes = [models.Index(fields=["metric", "created_at"], name="tutor_mkt_metric_idx")]

    def __str__(self) -> str:
        return f"{self.metric}={self.value:g} ({self.count}) at {self.created_at:%Y-%m-%d %H:%M}"
