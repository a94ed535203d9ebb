"""Receivers that invalidate the listing cache when what it shows changes.

Connected in ``AppConfig.ready``. They cover every save path, the admin's included:
a profile save invalidates only when a listed field changed (``FieldTracker``) on a
profile that is or was published; subjects through ``m2m_changed``; availability on any
save or delete of a published profile's slot; the tutor's user on a save of a field the
listing shows (``USER_LISTED_FIELDS``: its activity and what the display name is made
of) when the tutor's profile is published. Signals named in
``TUTOR_MARKETPLACE["INVALIDATE_ON_SIGNALS"]`` (off by default) are connected by dotted
path, so this package never imports the package that sends them.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.signals import setting_changed
from django.db.models import QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import Signal
from django.utils.module_loading import import_string

from tutor_marketplace.conf import SETTING_NAME, marketplace_settings
from tutor_marketplace.invalidation import schedule_invalidation
from tutor_marketplace.models import TutorProfile, WeeklyAvailability

logger = logging.getLogger("tutor_marketplace")

_DISPATCH_UID = "tutor_marketplace.invalidate"
_connected_signals: list[Signal] = []


def profile_saved(sender: Any, instance: TutorProfile, created: bool, **kwargs: Any) -> None:
    tracker = instance.tracker
    was_published = bool(tracker.previous("is_published")) if not created else False
    if not (instance.is_published or was_published):
        return
    if created or tracker.changed():
        schedule_invalidation(reason="profile_saved", using=kwargs.get("using"))


def profile_deleted(sender: Any, instance: TutorProfile, **kwargs: Any) -> None:
    if instance.is_published:
        schedule_invalidation(reason="profile_deleted", using=kwargs.get("using"))


def subjects_changed(sender: Any, instance: Any, action: str, **kwargs: Any) -> None:
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if action != "post_clear" and not kwargs.get("pk_set"):
        return
    # reverse: a subject's profiles changed; forward: a profile's subjects changed.
    if isinstance(instance, TutorProfile) and not instance.is_published:
        return
    schedule_invalidation(reason="subjects_changed", using=kwargs.get("using"))


def slot_changed(sender: Any, instance: WeeklyAvailability, **kwargs: Any) -> None:
    origin = kwargs.get("origin")
    if isinstance(origin, QuerySet):
        return  # QuerySet.delete() invalidates once itself (ListingQuerySet), not per row
    if kwargs.get("signal") is post_delete and origin is not None and origin is not instance:
        return  # a cascade from its profile's deletion, which invalidates if it was listed
    profiles = TutorProfile.objects.using(kwargs.get("using") or "default")
    if not profiles.filter(pk=instance.profile_id, is_published=True).exists():
        return
    schedule_invalidation(reason="availability_changed", using=kwargs.get("using"))


def user_saved(
    sender: Any, instance: Any, created: bool, update_fields: Any = None, **kwargs: Any
) -> None:
    """A published tutor's user saved with a field the listing shows (``USER_LISTED_FIELDS``).

    Without ``update_fields`` any field may have changed: a published tutor's save
    invalidates. A new user has no profile yet; a save that names only other fields
    (``last_login`` at every sign-in) costs not even a query.
    """
    if created:
        return
    listed = set(marketplace_settings.USER_LISTED_FIELDS or [])
    if update_fields is not None and not listed & set(update_fields):
        return
    using = kwargs.get("using") or "default"
    profiles = TutorProfile.objects.using(using)
    if profiles.filter(user_id=instance.pk, is_published=True).exists():
        schedule_invalidation(reason="user_saved", using=using)


def external_signal(sender: Any, **kwargs: Any) -> None:
    schedule_invalidation(reason=f"signal:{getattr(sender, '__name__', sender)}")


def connect_invalidation_signals() -> None:
    """(Re)connect the signals named in ``INVALIDATE_ON_SIGNALS``."""
    for signal in _connected_signals:
        signal.disconnect(dispatch_uid=_DISPATCH_UID)
    _connected_signals.clear()
    for path in marketplace_settings.INVALIDATE_ON_SIGNALS or []:
        found: object
        try:
            found = import_string(path)
        except ImportError:
            found = None
        if not isinstance(found, Signal):
            # The system check tutor_marketplace.E005 reports it.
            logger.error("not an importable signal", extra={"signal": path})
            continue
        found.connect(external_signal, dispatch_uid=_DISPATCH_UID, weak=False)
        _connected_signals.append(found)


def _settings_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == SETTING_NAME:
        connect_invalidation_signals()


def connect() -> None:
    post_save.connect(profile_saved, sender=TutorProfile, dispatch_uid=_DISPATCH_UID)
    post_delete.connect(profile_deleted, sender=TutorProfile, dispatch_uid=_DISPATCH_UID)
    m2m_changed.connect(
        subjects_changed, sender=TutorProfile.subjects.through, dispatch_uid=_DISPATCH_UID
    )
    post_save.connect(slot_changed, sender=WeeklyAvailability, dispatch_uid=_DISPATCH_UID)
    post_delete.connect(slot_changed, sender=WeeklyAvailability, dispatch_uid=_DISPATCH_UID)
    # A lazy "app_label.Model" sender: the host's user model, whatever it is.
    post_save.connect(user_saved, sender=settings.AUTH_USER_MODEL, dispatch_uid=_DISPATCH_UID)
    setting_changed.connect(_settings_changed, dispatch_uid=_DISPATCH_UID)
    connect_invalidation_signals()
