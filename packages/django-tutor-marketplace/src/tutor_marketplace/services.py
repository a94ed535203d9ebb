"""Writes: the profile, its availability, and the autosave draft's lifecycle.

Each service runs in one transaction and raises the package's domain exceptions.
Cache invalidation and signals run after the commit (``on_commit(robust=True)``).
"""

from __future__ import annotations

import itertools
import json
import logging
import math
import re
from datetime import time
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.dispatch import Signal

from tutor_core.signals import Announcer
from tutor_marketplace.conf import marketplace_settings
from tutor_marketplace.exceptions import (
    DraftNotFound,
    DraftTooLarge,
    DraftVersionMismatch,
    InvalidInput,
    ProfileIncomplete,
    ProfileNotFound,
)
from tutor_marketplace.models import (
    ProfileDraft,
    Subject,
    TutorProfile,
    WeeklyAvailability,
    normalise_subject_name,
)
from tutor_marketplace.signals import availability_replaced, profile_updated

logger = logging.getLogger("tutor_marketplace")


_ANNOUNCE = Announcer(logger, TutorProfile, "marketplace signal receiver failed")


def _announce(signal: Signal, event: str, *, profile: TutorProfile, actor: Any) -> None:
    """After commit: the event's log line, then the signal (a raising receiver is logged)."""
    ids, details = {"profile_id": profile.pk}, {"user_id": profile.user_id}
    _ANNOUNCE.on_commit(signal, event, ids=ids, details=details, profile=profile, actor=actor)


def subject_names(names: list[str]) -> list[str]:
    """Normalised, de-duplicated names in first-seen order; invalid ones refused."""
    seen: dict[str, None] = {}
    for name in names:
        normalised = normalise_subject_name(name)
        if not 1 <= len(normalised) <= 64:
            raise InvalidInput("invalid_subject")
        seen.setdefault(normalised, None)
    if len(seen) > marketplace_settings.MAX_SUBJECTS:
        raise InvalidInput("too_many_subjects")
    return list(seen)


# Rounds of "create the missing subjects, lock them" before giving up: a subject goes
# missing again only if others created, took up and pruned it in between.
_SUBJECT_ATTEMPTS = 5


def _locked_subjects(*, names: list[str], pks: list[int]) -> dict[str, int]:
    """Lock the subjects named ``names`` or keyed ``pks`` (one statement, in id order).

    One statement in one order: two changes that lock overlapping sets wait for each
    other instead of deadlocking. Answers name -> pk of the rows that exist.
    """
    if not names and not pks:
        return {}
    locked = (
        Subject.objects.select_for_update()
        .filter(Q(name__in=names) | Q(pk__in=pks))
        .order_by("pk")
        .values_list("name", "pk")
    )
    return dict(locked)


def _set_subjects(profile: TutorProfile, names: list[str]) -> None:
    """Give ``profile`` exactly the subjects ``names``, and delete those it drops that no
    profile uses any more (creating subjects is open to every tutor: they must not pile up).

    On PostgreSQL Django checks foreign keys only at commit, so a profile that takes up a
    subject holds nothing against its deletion until then. Hence the row locks: every
    subject this change adds or drops is locked first (``SELECT ... FOR UPDATE``). A
    change that drops a subject waits for one that is taking it up, and then sees it in
    use; one that takes it up after it was pruned finds it gone and creates it again.
    Subjects a change neither adds nor drops are not locked. (SQLite, which has no row
    locks, runs one writer at a time.)
    """
    current = dict(profile.subjects.values_list("name", "pk"))
    wanted = set(names)
    dropped = [pk for name, pk in current.items() if name not in wanted]
    added = [name for name in names if name not in current]
    found = {**current, **_locked_subjects(names=added, pks=dropped)}
    # Sorted: concurrent inserts of the same new names queue in one order.
    missing = sorted(wanted - found.keys())
    for _attempt in range(_SUBJECT_ATTEMPTS):
        if not missing:
            break
        Subject.objects.bulk_create([Subject(name=name) for name in missing], ignore_conflicts=True)
        found.update(_locked_subjects(names=missing, pks=[]))
        missing = sorted(wanted - found.keys())
    if missing:
        raise RuntimeError(f"subjects kept vanishing while being added: {missing}")
    profile.subjects.set([found[name] for name in names])
    if dropped:
        Subject.objects.filter(pk__in=dropped, profiles__isnull=True).delete()


def _is_complete(profile: TutorProfile) -> bool:
    return bool(profile.headline.strip()) and profile.hourly_rate is not None


def profile_update(*, user: Any, data: dict[str, Any], actor: Any = None) -> TutorProfile:
    """Apply the fields present in ``data`` (the profile's JSON shape) to ``user``'s profile.

    Creates the profile on first use. A published profile must be complete (headline,
    rate, a subject); otherwise nothing is written and ``ProfileIncomplete`` is raised.
    """
    settings_data = dict(data.get("settings") or {})
    with transaction.atomic():
        try:
            profile = TutorProfile.objects.select_for_update().get(user=user)
        except TutorProfile.DoesNotExist:
            try:
                with transaction.atomic():
                    profile = TutorProfile.objects.create(
                        user=user, currency=marketplace_settings.DEFAULT_CURRENCY
                    )
            except IntegrityError:  # another request created it first
                profile = TutorProfile.objects.select_for_update().get(user=user)
        for field in ("headline", "description", "is_published"):
            if field in data:
                setattr(profile, field, data[field])
        if "hourly_rate" in settings_data:
            rate = settings_data["hourly_rate"]
            profile.hourly_rate = None if rate is None else Decimal(rate)
        if "currency" in settings_data:
            profile.currency = settings_data["currency"]
        names: list[str] | None = None
        if "subjects" in settings_data:
            names = subject_names(settings_data["subjects"])
        has_subjects = bool(names) if names is not None else profile.subjects.exists()
        if profile.is_published and not (_is_complete(profile) and has_subjects):
            raise ProfileIncomplete()
        profile.save()
        if names is not None:
            _set_subjects(profile, names)
        _announce(profile_updated, "profile_updated", profile=profile, actor=actor or user)
    return profile


def profile_of(user: Any) -> TutorProfile:
    profile = TutorProfile.objects.filter(user=user).prefetch_related("subjects", "slots").first()
    if profile is None:
        raise ProfileNotFound()
    return profile


def availability_replace(
    *, user: Any, slots: list[dict[str, Any]], actor: Any = None
) -> list[WeeklyAvailability]:
    """Replace ``user``'s weekly slots with ``slots`` (``weekday``, ``start``, ``end``)."""
    if len(slots) > marketplace_settings.MAX_SLOTS:
        raise InvalidInput("too_many_slots")
    for index, slot in enumerate(slots):
        if slot["end"] <= slot["start"]:
            raise InvalidInput("slot_reversed", attr=f"{index}.end")
    ordered = sorted(range(len(slots)), key=lambda i: (slots[i]["weekday"], slots[i]["start"]))
    for previous, current in itertools.pairwise(ordered):
        a, b = slots[previous], slots[current]
        if a["weekday"] == b["weekday"] and b["start"] < a["end"]:
            later, earlier = max(previous, current), min(previous, current)
            raise InvalidInput("slot_overlap", attr=f"{later}.start", other=earlier)
    with transaction.atomic():
        profile = TutorProfile.objects.select_for_update().filter(user=user).first()
        if profile is None:
            raise ProfileNotFound()
        WeeklyAvailability.objects.filter(profile=profile).delete()
        created = WeeklyAvailability.objects.bulk_create(
            WeeklyAvailability(profile=profile, **slot) for slot in slots
        )
        _announce(
            availability_replaced, "availability_replaced", profile=profile, actor=actor or user
        )
    return sorted(created, key=lambda slot: (slot.weekday, slot.start))


# --- autosave ---------------------------------------------------------------------------


# What a PostgreSQL jsonb value cannot hold: NUL, and a surrogate that is not half of a
# pair (a JSON "\ud83d\ude00" pair is read as one character, so any left are unpaired).
_UNSTORABLE_TEXT = re.compile("[\x00\ud800-\udfff]")
# jsonb cannot hold 1e400 (read as infinity), and it gives 1e300 back as a whole number
# of 301 digits, which JSON renderers such as orjson refuse beyond 64 bits: such a draft
# could be stored but never shown again.
_LARGEST_NUMBER = 2**63 - 1


def _unstorable(value: Any) -> str | None:
    """The error code of a key or scalar that cannot round-trip through jsonb, if any."""
    if isinstance(value, str):
        return "draft_invalid_text" if _UNSTORABLE_TEXT.search(value) else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        storable = math.isfinite(value) and abs(value) <= _LARGEST_NUMBER
        return None if storable else "draft_invalid_number"
    return None


def _walk_draft(data: dict[str, Any]) -> str | None:
    """Check the draft's shape in one pass, without recursion; answer its first unstorable code.

    Raises ``draft_too_deep`` for a container nested deeper than ``DRAFT_MAX_DEPTH`` (the
    draft itself is level 1), and ``DraftTooLarge`` as soon as it holds more values than
    ``DRAFT_MAX_BYTES``: each value takes at least one byte of JSON, so such a draft is too
    large whatever its text, and the walk never visits more values than that.
    """
    max_depth = marketplace_settings.DRAFT_MAX_DEPTH
    max_values = marketplace_settings.DRAFT_MAX_BYTES
    unstorable: str | None = None
    pending: list[tuple[Any, int]] = [(data, 1)]
    values = 1
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict | list):
            if depth > max_depth:
                raise InvalidInput("draft_too_deep")
            values += len(value)
            if values > max_values:
                raise DraftTooLarge()
            if isinstance(value, dict):
                if unstorable is None:
                    unstorable = next(filter(None, map(_unstorable, value)), None)
                value = value.values()
            pending.extend((item, depth + 1) for item in value)
        elif unstorable is None:
            unstorable = _unstorable(value)
    return unstorable


def validate_draft(data: Any) -> None:
    if not isinstance(data, dict):
        raise InvalidInput("draft_not_object")
    # The walk first: it bounds the depth that ``json.dumps`` (recursive, in C) may see.
    unstorable = _walk_draft(data)
    if len(json.dumps(data, separators=(",", ":")).encode()) > marketplace_settings.DRAFT_MAX_BYTES:
        raise DraftTooLarge()
    if unstorable is not None:
        raise InvalidInput(unstorable)


def _check_version(draft: ProfileDraft | None, if_match: list[str] | None) -> None:
    """RFC 9110 ``If-Match``: ``*`` needs a draft; else one of the tags must be its version."""
    if if_match is None:
        return
    current = draft.version if draft is not None else 0
    if "*" in if_match and draft is not None:
        return
    if draft is not None and f'"{draft.version}"' in if_match:
        return
    raise DraftVersionMismatch(expected=", ".join(if_match), current=current)


def draft_save(*, user: Any, data: Any, if_match: list[str] | None = None) -> ProfileDraft:
    """Store ``data`` as ``user``'s draft, one version up; 412 on a stale ``If-Match``."""
    validate_draft(data)
    with transaction.atomic():
        draft = ProfileDraft.objects.select_for_update().filter(user=user).first()
        _check_version(draft, if_match)
        if draft is None:
            try:
                with transaction.atomic():
                    return ProfileDraft.objects.create(user=user, data=data)
            except IntegrityError:  # another tab created it first: save over it
                draft = ProfileDraft.objects.select_for_update().get(user=user)
                _check_version(draft, if_match)
        draft.data = data
        draft.version += 1
        draft.save(update_fields=["data", "version", "updated_at"])
    return draft


def draft_of(user: Any) -> ProfileDraft | None:
    return ProfileDraft.objects.filter(user=user).first()


def draft_discard(*, user: Any, if_match: list[str] | None = None) -> None:
    with transaction.atomic():
        draft = ProfileDraft.objects.select_for_update().filter(user=user).first()
        _check_version(draft, if_match)
        if draft is not None:
            draft.delete()


def draft_publish(*, user: Any, validate: Any, if_match: list[str] | None = None) -> TutorProfile:
    """Apply the draft like ``PATCH /api/me/profile/`` and delete it, all or nothing.

    ``validate(blob) -> data`` is the API's PATCH validation (a serializer), so a draft
    is held to exactly the rules of a direct edit.
    """
    with transaction.atomic():
        draft = ProfileDraft.objects.select_for_update().filter(user=user).first()
        if draft is None:
            raise DraftNotFound()
        _check_version(draft, if_match)
        profile = profile_update(user=user, data=validate(draft.data))
        draft.delete()
    return profile


def parse_clock(value: Any) -> time:
    """``HH:MM`` (or ``HH:MM:SS``) as a time of day; ``ValueError`` otherwise."""
    if not isinstance(value, str) or len(value) not in (5, 8) or value[2] != ":":
        raise ValueError(value)
    return time.fromisoformat(value)
