"""The calendar page (frontend/calendar, FullCalendar 7) in Chromium, driven by a real mouse.

The page is built from the current source and served by a static server on its own
origin (``conftest.py``); the example project runs under gunicorn on PostgreSQL with the
demo data. The browser itself is in America/New_York while the demo tutor Olena is in
Europe/Kyiv: the page must show her lessons at Kyiv wall-clock times. Two lessons are
created through the API at known times in a week no demo lesson reaches; the page
then moves one by a mouse drag (saved), drags it onto the other (409 time_conflict: it
snaps back and the error's detail is shown), resizes the other (saved) and cancels it.
Screenshots (week view, month view, the conflict) go to ``browser_tests/screenshots/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Locator, Page, expect

TIMEOUT_MS = 30_000
expect.set_options(timeout=TIMEOUT_MS)
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
BROWSER_ZONE = "America/New_York"
KYIV = ZoneInfo("Europe/Kyiv")
TUTOR, PASSWORD = "olena", "demo-pass-123"  # seed_demo's tutor, in Europe/Kyiv
# FullCalendar writes a time range with an en dash, "10:00 <EN DASH> 11:00".
EN_DASH = "\N{EN DASH}"


def _call(method: str, url: str, token: str | None = None, body: dict | None = None):
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    # trust_env=False: no proxy from the environment for loopback traffic.
    response = httpx.request(method, url, json=body, headers=headers, timeout=10, trust_env=False)
    return response.status_code, response.json() if response.content else {}


def kyiv(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=KYIV)


@dataclass
class Week:
    """Olena's week on the page: two lessons at known Kyiv times, and how to read them."""

    server: str
    token: str
    monday: date
    first: int  # Tuesday 10:00-11:00, with one student
    second: int  # Wednesday 10:00-11:00, with another
    students: list[str]  # their display names, in that order

    @property
    def tuesday(self) -> date:
        return self.monday + timedelta(days=1)

    @property
    def wednesday(self) -> date:
        return self.monday + timedelta(days=2)

    def stored(self, lesson_id: int) -> dict:
        """The lesson as the API has it now."""
        query = urlencode({"from": self.monday.isoformat(), "to": self.wednesday.isoformat()})
        status, body = _call("GET", f"{self.server}/api/lessons/my/?{query}", self.token)
        assert status == 200, body
        return next(lesson for lesson in body["results"] if lesson["id"] == lesson_id)

    def stored_window(self, lesson_id: int) -> tuple[datetime, datetime]:
        lesson = self.stored(lesson_id)
        return (
            datetime.fromisoformat(lesson["utc_start"]),
            datetime.fromisoformat(lesson["utc_end"]),
        )


@pytest.fixture
def week(server, demo_users) -> Week:
    """Two lessons of Olena's in a week four weeks ahead; that week cleared first (a rerun)."""
    status, body = _call(
        "POST", f"{server}/api/auth/token/", body={"username": TUTOR, "password": PASSWORD}
    )
    assert status == 200, body
    token = body["token"]
    today = datetime.now(KYIV).date()
    monday = today + timedelta(days=28 - today.weekday())
    query = urlencode({"from": monday.isoformat(), "to": (monday + timedelta(days=6)).isoformat()})
    status, body = _call("GET", f"{server}/api/lessons/my/?{query}", token)
    assert status == 200, body
    for lesson in body["results"]:
        if lesson["status"] == "scheduled":
            status, cancelled = _call(
                "POST", f"{server}/api/lessons/{lesson['id']}/cancel/", token, {"reason": "rerun"}
            )
            assert status == 200, cancelled
    status, body = _call(
        "GET", f"{server}/api/tutor/relations/students/?status=active&page_size=50", token
    )
    assert status == 200, body
    students = [relation["student"] for relation in body["results"]][:2]
    assert len(students) == 2, body
    lessons = []
    for student, day in zip(
        students, (monday + timedelta(days=1), monday + timedelta(days=2)), strict=True
    ):
        status, lesson = _call(
            "POST",
            f"{server}/api/lessons/",
            token,
            {
                "student": student["id"],
                "start": kyiv(day, 10).isoformat(),
                "end": kyiv(day, 11).isoformat(),
            },
        )
        assert status == 201, lesson
        lessons.append(lesson["id"])
    return Week(
        server=server,
        token=token,
        monday=monday,
        first=lessons[0],
        second=lessons[1],
        students=[student["display_name"] for student in students],
    )


@pytest.fixture
def page(new_page) -> tuple[Page, list[str]]:
    """A page in a browser whose own zone is New York, and its console errors."""
    viewport = {"width": 1280, "height": 1000}
    return new_page(timezone_id=BROWSER_ZONE, locale="en-US", viewport=viewport)


def screenshot(page: Page, name: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Saved to SCREENSHOTS; its path printed past pytest's capture (CI's log shows it)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / name
    page.screenshot(path=str(path), full_page=True)
    with capsys.disabled():
        print(f"\nscreenshot: {path}")


def event(page: Page, lesson_id: int) -> Locator:
    return page.locator(f'[data-lesson-id="{lesson_id}"]')


def box(locator: Locator) -> dict:
    """Where ``locator`` is, once it is shown (FullCalendar lays events out after a render,
    hidden until it has measured them)."""
    expect(locator).to_be_visible()
    found = locator.bounding_box()
    assert found is not None, locator
    return found


def column(page: Page, day: date) -> dict:
    """The week view's column of ``day`` (the tallest of the cells that carry its date)."""
    cells = page.locator(f'[role="cell"][data-date="{day.isoformat()}"]')
    return max((box(cells.nth(index)) for index in range(cells.count())), key=lambda b: b["height"])


def slot(page: Page, wall_clock: str) -> dict:
    """The week view's row of the half hour that starts at ``wall_clock`` (HH:MM)."""
    return box(page.locator(f'[data-time="{wall_clock}:00"]').last)


def assert_inside(inner: dict, outer: dict) -> None:
    x, y = inner["x"] + inner["width"] / 2, inner["y"] + inner["height"] / 2
    assert outer["x"] <= x <= outer["x"] + outer["width"], (inner, outer)
    assert outer["y"] <= y <= outer["y"] + outer["height"], (inner, outer)


def assert_in_week_view(page: Page, lesson_id: int, day: date, start: str, end: str) -> None:
    """Shown on ``day`` from ``start`` to ``end`` (Kyiv wall-clock, HH:MM)."""
    shown = event(page, lesson_id)
    expect(shown).to_contain_text(f"{start} {EN_DASH} {end}")
    found, top = box(shown), slot(page, start)
    assert_inside(found, column(page, day))
    assert abs(found["y"] - top["y"]) <= 2, (found, top)


def drag(page: Page, source: tuple[float, float], target: tuple[float, float]) -> None:
    """A real mouse drag: press, move in steps (FullCalendar needs movement), release."""
    page.mouse.move(*source)
    page.mouse.down()
    page.mouse.move(source[0], source[1] + 8, steps=4)
    page.mouse.move(*target, steps=20)
    page.mouse.up()


def grab_point(page: Page, lesson_id: int) -> tuple[float, float]:
    """A point near the top of a lesson: its first half hour, away from the resizer."""
    found = box(event(page, lesson_id))
    return found["x"] + found["width"] / 2, found["y"] + 6


def drop_point(page: Page, day: date, wall_clock: str) -> tuple[float, float]:
    target_column, target_slot = column(page, day), slot(page, wall_clock)
    return target_column["x"] + target_column["width"] / 2, target_slot["y"] + 6


def is_reschedule(lesson_id: int):
    return lambda response: (
        response.request.method == "PATCH"
        and response.url.endswith(f"/api/lessons/{lesson_id}/reschedule/")
    )


def test_the_calendar_shows_kyiv_times_and_saves_drags_and_resizes(
    calendar_page, week: Week, page, capsys
):
    page, console_errors = page
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{calendar_page}?{urlencode({'api': week.server, 'date': week.monday})}")
    assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == BROWSER_ZONE

    page.get_by_label("Username").fill(TUTOR)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_response(lambda response: "/api/lessons/my/" in response.url) as listed:
        page.get_by_role("button", name="Sign in").click()
    assert listed.value.status == 200
    expect(page.locator("#who")).to_have_text("Olena Kovalenko · Europe/Kyiv")

    # FullCalendar's window in Kyiv time, its "+" sent encoded (%2B), as a bare "+" is a space.
    offset = kyiv(week.monday, 0).strftime("%z")
    encoded = f"start={week.monday.isoformat()}T00%3A00%3A00%2B{offset[1:3]}%3A{offset[3:]}"
    calendar_requests = [url for url in requests if "/api/lessons/my/" in url]
    assert any(encoded in url for url in calendar_requests), calendar_requests

    # Week view: Kyiv wall-clock (10:00, 08:00 UTC, 03:00 in the browser's New York).
    assert_in_week_view(page, week.first, week.tuesday, "10:00", "11:00")
    assert_in_week_view(page, week.second, week.wednesday, "10:00", "11:00")
    # Titled with the student's display name, which each lesson carries.
    expect(event(page, week.first)).to_contain_text(week.students[0])
    expect(event(page, week.second)).to_contain_text(week.students[1])
    screenshot(page, "calendar-week.png", capsys)

    # Month view: the same lessons on the same days, at the same wall-clock times.
    page.get_by_role("tab", name="Month view").click()
    for lesson_id, day in ((week.first, week.tuesday), (week.second, week.wednesday)):
        shown = event(page, lesson_id)
        expect(shown).to_contain_text("10:00")
        expect(shown).not_to_contain_text("03:00")
        cells = page.locator(f'[role="cell"][data-date="{day.isoformat()}"]')
        assert_inside(box(shown), box(cells.first))
    screenshot(page, "calendar-month.png", capsys)
    page.get_by_role("tab", name="Week view").click()
    assert_in_week_view(page, week.first, week.tuesday, "10:00", "11:00")

    # A real mouse drag, Tuesday 10:00 -> 12:00: saved (200), and the API has the new time.
    with page.expect_response(is_reschedule(week.first)) as moved:
        drag(page, grab_point(page, week.first), drop_point(page, week.tuesday, "12:00"))
    assert moved.value.status == 200, moved.value.text()
    assert week.stored_window(week.first) == (kyiv(week.tuesday, 12), kyiv(week.tuesday, 13))
    assert_in_week_view(page, week.first, week.tuesday, "12:00", "13:00")
    expect(page.locator("#message")).to_be_hidden()

    # Dragged onto the other lesson (Wednesday 10:00, the same tutor): 409 time_conflict;
    # the event snaps back and the error's detail is shown on the page.
    with page.expect_response(is_reschedule(week.first)) as refused:
        drag(page, grab_point(page, week.first), drop_point(page, week.wednesday, "10:00"))
    assert refused.value.status == 409, refused.value.text()
    error = refused.value.json()["errors"][0]
    assert error["code"] == "time_conflict", error
    # Who is busy (the tutor, Olena) and the clashing lesson, hers to see.
    assert (error["busy"], error["lesson_id"]) == (["tutor"], week.second), error
    message = page.locator("#message")
    expect(message).to_be_visible()
    expect(message).to_have_text(error["detail"])
    expect(message).to_have_attribute("data-code", "time_conflict")
    assert_in_week_view(page, week.first, week.tuesday, "12:00", "13:00")
    assert week.stored_window(week.first) == (kyiv(week.tuesday, 12), kyiv(week.tuesday, 13))
    screenshot(page, "calendar-conflict.png", capsys)

    # A resize of the other lesson's end, 11:00 -> 12:00: saved (200).
    second = box(event(page, week.second))
    handle = (second["x"] + second["width"] / 2, second["y"] + second["height"] - 2)
    page.mouse.move(handle[0], handle[1] - 10)  # hovering shows the resizer
    with page.expect_response(is_reschedule(week.second)) as resized:
        drag(page, handle, (handle[0], slot(page, "11:30")["y"] + 6))
    assert resized.value.status == 200, resized.value.text()
    assert week.stored_window(week.second) == (kyiv(week.wednesday, 10), kyiv(week.wednesday, 12))
    assert_in_week_view(page, week.second, week.wednesday, "10:00", "12:00")
    expect(page.locator("#message")).to_be_hidden()

    # Cancel from the event: click, confirm, and the calendar no longer shows it.
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_response(
        lambda response: response.url.endswith(f"/api/lessons/{week.second}/cancel/")
    ) as cancelled:
        event(page, week.second).click()
    assert cancelled.value.status == 200, cancelled.value.text()
    expect(event(page, week.second)).to_have_count(0)
    assert week.stored(week.second)["status"] == "cancelled"

    # Nothing but the page's own origin and the API's: FullCalendar is in the bundle.
    origins = {urlsplit(calendar_page).netloc, urlsplit(week.server).netloc}
    assert {urlsplit(url).netloc for url in requests if not url.startswith("data:")} == origins
    assert console_errors == [
        # Chromium logs the refused reschedule's 409 as a failed load.
        "Failed to load resource: the server responded with a status of 409 (Conflict)"
    ]
