"""The calendar's datetime strings: orjson's formatter (when installed) writes exactly
what ``datetime.isoformat()`` writes, so the extra changes speed, never a byte."""

import importlib.util
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tutor_lessons.api import serializers

KYIV = ZoneInfo("Europe/Kyiv")
ZONES = [
    ZoneInfo("UTC"),
    KYIV,
    ZoneInfo("Europe/London"),  # +00:00 in winter: an offset, not "Z"
    ZoneInfo("America/New_York"),
    ZoneInfo("Asia/Kolkata"),  # +05:30
    ZoneInfo("Asia/Kathmandu"),  # +05:45
    ZoneInfo("Pacific/Chatham"),  # +12:45 / +13:45
    ZoneInfo("America/St_Johns"),  # -03:30
]
MOMENTS = [
    datetime(2026, 3, 1, 9, 0, tzinfo=UTC),  # no microseconds: none written
    datetime(2026, 3, 1, 9, 0, 0, 1, tzinfo=UTC),
    datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=UTC),  # just before Kyiv's DST
    datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
    datetime(2026, 10, 25, 0, 30, 15, 250000, tzinfo=UTC),  # Kyiv's repeated hour
    datetime(2026, 10, 25, 1, 30, tzinfo=KYIV),  # an aware value in another zone
    datetime(1, 1, 2, tzinfo=UTC),
    datetime(1880, 6, 1, 12, 0, tzinfo=UTC),  # local mean time: offsets with seconds
    datetime(9999, 12, 30, 23, 59, 59, 999999, tzinfo=UTC),
]


def stdlib_utc(value):
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


@pytest.mark.parametrize("moment", MOMENTS, ids=str)
def test_utc_strings_are_isoformat_with_z(moment):
    assert serializers.utc_iso(moment) == stdlib_utc(moment)
    assert serializers.utc_iso_stdlib(moment) == stdlib_utc(moment)


@pytest.mark.parametrize("zone", ZONES, ids=str)
@pytest.mark.parametrize("moment", MOMENTS, ids=str)
def test_local_strings_are_isoformat(moment, zone):
    try:
        expected = moment.astimezone(zone).isoformat()
    except OverflowError:  # 9999-12-30 east of UTC is past datetime.max: both refuse
        with pytest.raises(OverflowError):
            serializers.local_iso(moment, zone)
        return
    assert serializers.local_iso(moment, zone) == expected
    assert serializers.local_iso_stdlib(moment, zone) == expected


def test_every_offset_of_a_year_in_every_listed_zone_hour_by_hour():
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for hour in range(0, 366 * 24, 7):
        moment = start + timedelta(hours=hour, microseconds=hour % 3 * 123_457)
        assert serializers.utc_iso(moment) == stdlib_utc(moment)
        for zone in ZONES:
            assert serializers.local_iso(moment, zone) == moment.astimezone(zone).isoformat()


def test_orjson_formats_when_it_is_installed():
    installed = importlib.util.find_spec("orjson") is not None
    assert (serializers.utc_iso is serializers.utc_iso_orjson) is installed
    assert (serializers.local_iso is serializers.local_iso_orjson) is installed
