"""The profile's JSON representation (SPEC §3), shared by the API, the autosave and the diff."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tutor_marketplace.models import TutorProfile


def format_rate(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def profile_representation(profile: TutorProfile | None) -> dict[str, Any]:
    """``profile`` as the API shows it; ``None`` (no profile yet) as an empty one."""
    if profile is None:
        return {}
    return {
        "headline": profile.headline,
        "description": profile.description,
        "is_published": profile.is_published,
        "settings": {
            "hourly_rate": format_rate(profile.hourly_rate),
            "currency": profile.currency,
            "subjects": sorted(subject.name for subject in profile.subjects.all()),
        },
    }
