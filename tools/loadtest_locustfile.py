"""The locust test of ``nox -s loadtest``: a tutor and a student on every endpoint.

``tools/loadtest.py`` runs it headless against two gunicorn instances (``--host`` and
``--other-host``). It also runs on its own against any server of the example project
whose throttles let one address register a few dozen users (``nox -s demo`` does), with
locust's web UI or headless::

    locust -f tools/loadtest_locustfile.py --host http://127.0.0.1:8000

``Levels`` (a ``LoadTestShape``) holds each of ``--levels`` users (default 10,30) for
``--level-seconds`` once all of them have signed up, then stops the test. At the end,
given ``--server-logs`` and ``--metrics-dirs`` of the instances, any ERROR line in a
server log or a ``/metrics`` that does not add up fails the run (``check_servers``):
locust's exit code is 1 then, as on any failure or exception of a user.

Every locust user holds one *pair*: a tutor and that tutor's own student, registered
by the user (``POST /api/auth/register/``). Only the user holding a pair writes as its
tutor, so every answer can be checked against what that user knows: a request whose
status or body is wrong is a locust failure (``catch_response``), with what was
expected in its message. The user talks to its "home" instance and reads the listing
and every second page through the other one, so each check of a read after a write
also crosses instances.

Tasks, in a closed loop with a short wait: lessons (create, calendar, reschedule,
cancel, a conflicting booking), relation reads (the tutor's students page by page,
the student's tutors, recent actions, a timeline), marketplace reads (profile,
availability, the listing narrowed to the pair's tutor), a walk through all the run's
tutors by cursor, a profile write, the autosave flow, a relation's whole life with two
other students (ask with an ``Idempotency-Key`` and its replay, accept, batch accept,
archive, batch archive, a lesson then refused), and the account (``/api/auth/me/``).
"""

from __future__ import annotations

import secrets
import time
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from locust import FastHttpUser, LoadTestShape, between, events, task
from locust.contrib.fasthttp import FastHttpSession, FastResponse
from locust.env import Environment
from processes import server_log_errors, server_log_notes
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

# Users in several zones, so that local-time conversion is part of every request.
TIMEZONES = ("Europe/Kyiv", "America/New_York", "Asia/Tokyo", "Europe/London", "UTC")
PASSWORD = f"Lt-{secrets.token_urlsafe(16)}"
# The page size with which a walk goes through all the run's tutors.
LISTING_PAGE_SIZE = 7
CREATED_THEN_ACCEPTED = [("", "pending"), ("pending", "active")]
# How many of a tutor's newest audit entries recent-actions is asked for (and checked).
RECENT_ACTIONS_PAGE = 5
# At most this long for every user of a level to sign up before its clock starts.
SIGN_UP_SECONDS = 90


# --- State ----------------------------------------------------------------------------


@dataclass
class Account:
    username: str
    user_id: int
    token: str
    timezone: str


@dataclass
class Lesson:
    lesson_id: int
    status: str


@dataclass
class Pair:
    """One tutor, the tutor's own student, and what the tutor's side holds."""

    index: int
    tutor: Account | None = None
    student: Account | None = None
    # The pair's own relation, and every relation of the tutor: id -> status.
    relation_id: int = 0
    relations: dict[int, str] = field(default_factory=dict)
    # The tutor's audit log as (relation id, new status), oldest first.
    log: list[tuple[int, str]] = field(default_factory=list)
    # Lessons by slot number; the next slot to book.
    lessons: dict[int, Lesson] = field(default_factory=dict)
    next_slot: int = 0
    profile: dict[str, Any] = field(default_factory=dict)
    week: list[dict[str, str | int]] = field(default_factory=list)
    versions: int = 0
    # Students the tutor has had a relation with (a pair can be related only once).
    partners: set[int] = field(default_factory=set)
    # Registered, published, related: its student may ask other tutors.
    complete: bool = False

    def transition(self, relation_id: int, status: str) -> None:
        self.relations[relation_id] = status
        self.log.append((relation_id, status))

    def active(self) -> list[int]:
        return sorted(pk for pk, status in self.relations.items() if status == "active")


class Run:
    """What every user of one run shares: its names, hosts and pairs."""

    def __init__(self) -> None:
        self.run_id = f"{int(time.time()):x}{secrets.token_hex(2)}"
        # The run's own subject: the listing shows only this run's tutors with it.
        self.subject = f"lt{self.run_id}"
        # Whole hours a week ahead: far from "now", so no lesson expires during the run.
        self.first_slot = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + (
            timedelta(days=7)
        )
        self.pairs: list[Pair] = []
        # Students registered only to ask tutors (once the other pairs' ran out).
        self.extra_students: list[Account] = []
        self.accounts = 0
        # Users through their on_start, signed up or not: a level's clock starts after.
        self.started = 0

    def username(self, role: str) -> str:
        self.accounts += 1
        return f"lt{self.run_id}{role}{self.accounts}"

    def new_pair(self) -> Pair:
        pair = Pair(index=len(self.pairs))
        self.pairs.append(pair)
        return pair

    def students(self) -> list[Account]:
        own = [pair.student for pair in self.pairs if pair.complete]
        return own + self.extra_students

    # What the pair of ``index`` publishes, and how the listing shows it.

    def token(self, index: int) -> str:
        """Text only pair ``index``'s profile holds (``q`` finds it, and nothing else)."""
        return f"{self.subject}c{index:02d}"

    def headline(self, index: int, version: str = "") -> str:
        return f"Load test tutor {self.token(index)}" + (f", {version}" if version else "")

    def published(self, index: int, headline: str) -> dict[str, Any]:
        """Pair ``index``'s profile as answered (rates rise with the index)."""
        return {
            "headline": headline,
            "description": f"Exam preparation, {self.token(index)}.",
            "is_published": True,
            "settings": {
                "hourly_rate": f"{20 + index}.00",
                "currency": ("UAH", "USD", "EUR")[index % 3],
                "subjects": sorted(["math", self.subject]),
            },
        }

    def listed(self, pair: Pair) -> dict[str, Any]:
        """Pair's tutor as the listing shows it, from its last profile."""
        return {
            "user": pair.tutor.user_id,
            "display_name": f"Load test tutor {pair.index}",
            "headline": pair.profile["headline"],
            "hourly_rate": pair.profile["settings"]["hourly_rate"],
            "currency": pair.profile["settings"]["currency"],
            "subjects": pair.profile["settings"]["subjects"],
        }

    def own_filters(self, index: int, **overrides: Any) -> dict[str, Any]:
        """Every filter of the listing, narrowed to pair ``index``'s tutor alone."""
        return {
            "subject": self.subject,
            "min_rate": 20 + index,
            "max_rate": 25 + index,
            "weekday": index % 7,
            "q": self.token(index),
            "ordering": "hourly_rate",
            "page_size": 5,
            **overrides,
        }

    def week(self, index: int, shift: int = 0) -> list[dict[str, str | int]]:
        """Three slots, two touching on the pair's own weekday, in no particular order;
        ``shift`` moves the third day (the listing's ``weekday`` filter keeps matching)."""
        day, other = index % 7, (index + 3 + shift) % 7
        if other == day:
            other = (other + 1) % 7
        return [
            {"weekday": other, "start": "14:00", "end": "18:00"},
            {"weekday": day, "start": "12:00", "end": "13:30"},
            {"weekday": day, "start": "09:00", "end": "12:00"},
        ]

    def slot(self, number: int) -> tuple[datetime, datetime]:
        # Two hours apart and one hour long: room to move each lesson by 30 minutes.
        start = self.first_slot + timedelta(hours=2 * number)
        return start, start + timedelta(hours=1)


RUN = Run()


def in_order(week: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(week, key=lambda slot: (slot["weekday"], slot["start"]))


def local_iso(moment: datetime, zone: str) -> str:
    """``moment`` written with the offset of ``zone``: the API takes it as given."""
    return moment.astimezone(ZoneInfo(zone)).isoformat()


def utc_z(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def transitions(entries: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(entry["prev_status"], entry["new_status"]) for entry in entries]


# --- Requests -------------------------------------------------------------------------

Check = Callable[[FastResponse], str | None]


def call(
    session: FastHttpSession,
    method: str,
    path: str,
    *,
    name: str | None = None,
    token: str | None = None,
    expect: int | tuple[int, ...] = 200,
    check: Check | None = None,
    by_cache: bool = False,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> FastResponse | None:
    """One request, reported to locust as ``name`` (default: ``path``): a failure unless
    its status is one of ``expect`` and ``check`` (if any) finds nothing wrong. The
    answer, or None.

    ``by_cache``: reported as ``"<name> [HIT]"`` or ``"<name> [MISS]"`` after the
    answer's ``X-Cache`` header, so the listing's hits and misses get rows of their own.
    """
    expected = (expect,) if isinstance(expect, int) else expect
    name = name or path
    sent = dict(headers or {})
    if token:
        sent["Authorization"] = f"Token {token}"
    with session.request(
        method, path, name=name, headers=sent, catch_response=True, **kwargs
    ) as response:
        if by_cache:
            cache = response.headers.get("X-Cache") if response.headers else None
            response.request_meta["name"] = f"{name} [{cache or 'no X-Cache'}]"
        if response.status_code not in expected:
            error = response.error if response.status_code == 0 else None
            response.failure(
                f"{response.status_code} {error or (response.text or '')[:300]}, "
                f"expected {'/'.join(map(str, expected))}"
            )
            return None
        try:
            problem = check(response) if check else None
        except Exception as error:  # a body of the wrong shape is a failure too
            problem = f"unexpected body ({type(error).__name__}: {error}): {response.text[:300]}"
        if problem:
            response.failure(problem[:600])
            return None
        response.success()
        return response


def unless(good: bool, problem: str) -> str | None:
    """What a check answers: nothing when the answer is ``good``, else the problem."""
    return None if good else problem


def equals(expected: Any, what: str = "body") -> Check:
    def check(response: FastResponse) -> str | None:
        found = response.json()
        return None if found == expected else f"{what} {str(found)[:300]}, expected {expected}"

    return check


def error_code(code: str) -> Check:
    def check(response: FastResponse) -> str | None:
        found = response.json()["errors"][0]["code"]
        return None if found == code else f"code {found}, expected {code}"

    return check


def register(session: FastHttpSession, role: str, display_name: str, zone: str) -> Account | None:
    username = RUN.username(role)
    response = call(
        session,
        "POST",
        "/api/auth/register/",
        expect=201,
        json={
            "username": username,
            "password": PASSWORD,
            "display_name": display_name,
            "timezone": zone,
        },
        check=lambda r: unless(
            r.json()["username"] == username and r.json()["timezone"] == zone,
            f"registered {r.text[:200]}",
        ),
    )
    if response is None:
        return None
    body = response.json()
    return Account(username, body["id"], body["token"], body["timezone"])


def ask(
    session: FastHttpSession,
    student: Account,
    tutor: Account,
    *,
    key: str | None = None,
    name: str = "/api/student/relations/",
) -> int:
    """``student`` asks ``tutor`` (and retries with the same key, if any): the pending
    relation's id, or 0 if that failed."""
    headers = {"Idempotency-Key": key} if key else {}
    payload = {"tutor": tutor.user_id}
    response = call(
        session,
        "POST",
        "/api/student/relations/",
        name=name,
        token=student.token,
        expect=201,
        json=payload,
        headers=headers,
        check=lambda r: unless(
            r.json()["status"] == "pending" and r.json()["tutor"]["id"] == tutor.user_id,
            f"asked {tutor.user_id}: {r.text[:200]}",
        ),
    )
    if response is None:
        return 0
    first = response.json()
    if key:
        # A retry with the same key acts no more: the same relation, marked replayed.
        replay = call(
            session,
            "POST",
            "/api/student/relations/",
            name=f"{name} [replay]",
            token=student.token,
            expect=201,
            json=payload,
            headers=headers,
            check=lambda r: unless(
                r.json() == first and r.headers.get("Idempotent-Replayed") == "true",
                f"replay of key {key}: Idempotent-Replayed "
                f"{r.headers.get('Idempotent-Replayed')} {r.text[:200]}, first {first}",
            ),
        )
        if replay is None:
            return 0
    return first["id"]


def batch(
    session: FastHttpSession,
    action: str,
    tutor: Account,
    ids: list[int],
    expected: dict[str, Any] | None,
    *,
    key: str | None = None,
    replayed: bool | None = None,
    name: str | None = None,
) -> dict[str, Any] | None:
    """A batch accept or archive: its answer (checked against ``expected`` if given)."""

    def check(response: FastResponse) -> str | None:
        body = response.json()
        was_replayed = response.headers.get("Idempotent-Replayed") == "true"
        if expected is not None and body != expected:
            return f"batch {ids}: {str(body)[:300]}, expected {expected}"
        if replayed is not None and was_replayed != replayed:
            return f"batch {ids}: Idempotent-Replayed {was_replayed}, expected {replayed}"
        return None

    response = call(
        session,
        "POST",
        f"/api/tutor/relations/batch/{action}/",
        name=name or f"/api/tutor/relations/batch/{action}/",
        token=tutor.token,
        json={"ids": ids},
        headers={"Idempotency-Key": key} if key else {},
        check=check,
    )
    return None if response is None else response.json()


def pages(
    sessions: list[FastHttpSession],
    path: str,
    params: dict[str, Any],
    *,
    name: str,
    token: str | None = None,
    by_cache: bool = False,
) -> list[dict[str, Any]] | None:
    """Every row of a cursor-paginated list, page by page, each page from the next of
    ``sessions`` in turn (a cursor from one instance works on the other); None if a page
    failed."""
    rows: list[dict[str, Any]] = []
    cursor = None

    def consistent(response: FastResponse) -> str | None:
        body = response.json()
        if body["has_more"] and body["cursor"] is None:
            return f"has_more without a cursor: {response.text[:200]}"
        if not body["has_more"] and body["cursor"] is not None:
            return f"last page with a cursor: {body['cursor']}"
        return None

    for number in range(100):
        query = {**params, "cursor": cursor} if cursor else params
        response = call(
            sessions[number % len(sessions)],
            "GET",
            path,
            name=name,
            token=token,
            params=query,
            by_cache=by_cache,
            check=consistent,
        )
        if response is None:
            return None
        body = response.json()
        rows += body["results"]
        cursor = body["cursor"]
        if not body["has_more"]:
            return rows
    return None


# --- The user -------------------------------------------------------------------------


class TutorAndStudent(FastHttpUser):
    """One pair on every endpoint; see the module docstring."""

    wait_time = between(0.05, 0.3)
    # A run on a small machine queues requests behind password hashing: be patient.
    network_timeout = 60.0
    connection_timeout = 10.0

    def on_start(self) -> None:
        try:
            self.start_up()
        finally:
            RUN.started += 1

    def start_up(self) -> None:
        other_host = self.environment.parsed_options.other_host
        hosts = [self.host, other_host] if other_host else [self.host]
        self.pair = RUN.new_pair()
        home = hosts[self.pair.index % len(hosts)]
        other = hosts[(self.pair.index + 1) % len(hosts)]
        self.client.base_url = home
        # The other instance: listing reads and every second page go there.
        self.other = FastHttpSession(
            base_url=other,
            request_event=self.environment.events.request,
            user=self,
            network_timeout=self.network_timeout,
            connection_timeout=self.connection_timeout,
            max_retries=self.max_retries,
        )
        if not self.set_up():
            self.broken = True
            return
        pair = self.pair
        # Every user signs in once: the token endpoint answers the tutor's token.
        response = call(
            self.client,
            "POST",
            "/api/auth/token/",
            json={"username": pair.tutor.username, "password": PASSWORD},
            check=equals({"token": pair.tutor.token}),
        )
        # A setup step failed (a locust failure already says which): this user idles.
        self.broken = response is None

    def set_up(self) -> bool:
        """Register the pair, publish the tutor's profile and week, then relate its two:
        a student may ask only a listed tutor (the example project's
        ``TUTOR_ELIGIBILITY``)."""
        pair, index = self.pair, self.pair.index
        pair.tutor = register(
            self.client, "t", f"Load test tutor {index}", TIMEZONES[index % len(TIMEZONES)]
        )
        pair.student = register(
            self.client,
            "s",
            f"Load test student {index}",
            TIMEZONES[(index + 1) % len(TIMEZONES)],
        )
        if pair.tutor is None or pair.student is None:
            return False
        expected = RUN.published(index, RUN.headline(index))
        settings = expected["settings"]
        body = {
            **expected,
            "settings": {
                **settings,
                # A number or text; the answer is text with two decimals either way.
                "hourly_rate": 20 + index if index % 2 else settings["hourly_rate"],
                # Other spellings of the same subjects.
                "subjects": [" Math ", RUN.subject.upper()],
            },
        }
        response = call(
            self.client,
            "PATCH",
            "/api/me/profile/",
            token=pair.tutor.token,
            json=body,
            check=equals(expected),
        )
        if response is None:
            return False
        pair.profile = expected
        if not self.put_week(0):
            return False
        pair.relation_id = ask(
            self.client, pair.student, pair.tutor, key=f"{RUN.run_id}-ask-{index}"
        )
        if not pair.relation_id:
            return False
        pair.partners.add(pair.student.user_id)
        pair.transition(pair.relation_id, "pending")
        pair.complete = self.act(pair.relation_id, "accept", "active", pair.student)
        return pair.complete

    def act(
        self, relation_id: int, action: str, status: str, student: Account | None = None
    ) -> bool:
        """The tutor's ``action`` on one relation: True when it answers ``status`` (and
        ``student``, if given)."""
        response = call(
            self.client,
            "POST",
            f"/api/tutor/relations/{relation_id}/{action}/",
            name=f"/api/tutor/relations/{{id}}/{action}/",
            token=self.pair.tutor.token,
            check=lambda r: unless(
                r.json()["status"] == status
                and (student is None or r.json()["student"]["id"] == student.user_id),
                f"relation {relation_id}: {r.text[:200]}",
            ),
        )
        if response is not None:
            self.pair.transition(relation_id, status)
        return response is not None

    def timeline(self, relation_id: int, source: str) -> None:
        """Created, then accepted by a ``source`` ("single" or "batch") accept."""
        call(
            self.client,
            "GET",
            f"/api/tutor/relations/{relation_id}/timeline/",
            name="/api/tutor/relations/{id}/timeline/",
            token=self.pair.tutor.token,
            check=lambda r: unless(
                transitions(r.json()["results"]) == CREATED_THEN_ACCEPTED
                and r.json()["results"][1]["metadata"]["source"] == source,
                f"timeline of {relation_id}: {r.text[:300]}",
            ),
        )

    def put_week(self, shift: int) -> bool:
        week = RUN.week(self.pair.index, shift)
        response = call(
            self.client,
            "PUT",
            "/api/me/profile/availability/",
            token=self.pair.tutor.token,
            json=week,
            check=equals(in_order(week)),
        )
        if response is not None:
            self.pair.week = in_order(week)
        return response is not None

    def listing_shows_own(self, session: FastHttpSession) -> bool:
        """The listing, every filter narrowed to this pair's tutor: exactly that tutor,
        as last written (never cached: ``q`` is a text search)."""
        pair = self.pair
        return (
            call(
                session,
                "GET",
                "/api/marketplace/tutors/",
                token=pair.student.token,
                params=RUN.own_filters(pair.index),
                by_cache=True,
                check=lambda r: unless(
                    r.json()["results"] == [RUN.listed(pair)],
                    f"own filters: {r.text[:300]}, expected {[RUN.listed(pair)]}",
                ),
            )
            is not None
        )

    # Every task runs one whole step of the story, unless the pair's setup failed.

    def run_step(self, step: Callable[[], Any]) -> None:
        if not getattr(self, "broken", True):
            step()

    @task(3)
    def lessons(self) -> None:
        self.run_step(self._lessons)

    def _lessons(self) -> None:
        """Create, calendar, reschedule by the student, calendar, a conflict, cancel."""
        pair = self.pair
        number = pair.next_slot
        pair.next_slot += 1
        start, end = RUN.slot(number)
        response = call(
            self.client,
            "POST",
            "/api/lessons/",
            token=pair.tutor.token,
            expect=201,
            json={
                "student": pair.student.user_id,
                "start": local_iso(start, pair.tutor.timezone),
                "end": local_iso(end, pair.tutor.timezone),
            },
            check=lambda r: unless(
                r.json()["status"] == "scheduled" and r.json()["utc_start"] == utc_z(start),
                f"created {r.text[:200]}",
            ),
        )
        if response is None:
            return
        pair.lessons[number] = Lesson(response.json()["id"], "scheduled")
        # The last five slots: the lessons booked there, whatever their status.
        window = (RUN.slot(number - 4)[0], end + timedelta(minutes=59))
        if not self.calendar(pair.tutor, window, range(number - 4, number + 1)):
            return
        moved = (start + timedelta(minutes=30), end + timedelta(minutes=30))
        lesson_id = pair.lessons[number].lesson_id
        response = call(
            self.client,
            "PATCH",
            f"/api/lessons/{lesson_id}/reschedule/",
            name="/api/lessons/{id}/reschedule/",
            token=pair.student.token,
            json={
                "start": local_iso(moved[0], pair.student.timezone),
                "end": local_iso(moved[1], pair.student.timezone),
            },
            check=lambda r: unless(
                r.json()["utc_start"] == utc_z(moved[0]), f"lesson {lesson_id}: {r.text[:200]}"
            ),
        )
        if response is None:
            return
        if not self.calendar(pair.student, window, range(number - 4, number + 1)):
            return
        if number % 2:
            # Overlapping the moved lesson: refused for the tutor, whoever the student is.
            call(
                self.client,
                "POST",
                "/api/lessons/",
                name="/api/lessons/ [conflict]",
                token=pair.tutor.token,
                expect=409,
                json={"student": pair.student.user_id, "start": utc_z(start), "end": utc_z(end)},
                check=error_code("time_conflict"),
            )
            return
        response = call(
            self.client,
            "POST",
            f"/api/lessons/{lesson_id}/cancel/",
            name="/api/lessons/{id}/cancel/",
            token=pair.tutor.token,
            json={"reason": "load test"},
            check=lambda r: unless(
                r.json()["status"] == "cancelled", f"lesson {lesson_id}: {r.text[:200]}"
            ),
        )
        if response is not None:
            pair.lessons[number].status = "cancelled"

    def calendar(self, account: Account, window: tuple[datetime, datetime], numbers) -> bool:
        expected = sorted(
            (lesson.lesson_id, lesson.status)
            for number, lesson in self.pair.lessons.items()
            if number in numbers
        )

        def check(response: FastResponse) -> str | None:
            body = response.json()
            found = sorted((row["id"], row["status"]) for row in body["results"])
            if found != expected or body["timezone"] != account.timezone:
                return (
                    f"lessons {found} in {body['timezone']}, expected {expected} in "
                    f"{account.timezone}"
                )
            return None

        return (
            call(
                self.client,
                "GET",
                "/api/lessons/my/",
                token=account.token,
                params={"from": utc_z(window[0]), "to": utc_z(window[1])},
                check=check,
            )
            is not None
        )

    @task(3)
    def relation_reads(self) -> None:
        self.run_step(self._relation_reads)

    def _relation_reads(self) -> None:
        """The tutor's active students one per page, the student's tutors, the tutor's
        recent actions (exactly its newest entries), the pair's timeline."""
        pair = self.pair
        active = pair.active()
        rows = pages(
            [self.client, self.other],
            "/api/tutor/relations/students/",
            {"status": "active", "page_size": 1},
            name="/api/tutor/relations/students/",
            token=pair.tutor.token,
        )
        if rows is None:
            return
        found = sorted(row["id"] for row in rows)
        if found != active:
            # Reported as a failure of its own: every page itself was fine.
            self.environment.events.request.fire(
                request_type="GET",
                name="/api/tutor/relations/students/ [all pages]",
                response_time=0,
                response_length=0,
                exception=AssertionError(f"active students {found}, expected {active}"),
            )
            return
        call(
            self.client,
            "GET",
            "/api/student/relations/",
            token=pair.student.token,
            params={"status": "active"},
            check=lambda r: unless(
                pair.relation_id in [row["id"] for row in r.json()["results"]]
                and all(row["status"] == "active" for row in r.json()["results"]),
                f"active tutors without {pair.relation_id}: {r.text[:300]}",
            ),
        )
        newest = list(reversed(pair.log[-RECENT_ACTIONS_PAGE:]))

        def recent(response: FastResponse) -> str | None:
            entries = response.json()["results"]
            found = [(entry["relation_id"], entry["new_status"]) for entry in entries]
            moments = [datetime.fromisoformat(entry["timestamp"]) for entry in entries]
            if found != newest or moments != sorted(moments, reverse=True):
                return f"recent actions {found}, expected {newest}: {str(entries)[:200]}"
            return None

        call(
            self.client,
            "GET",
            "/api/tutor/relations/recent-actions/",
            token=pair.tutor.token,
            params={"page_size": RECENT_ACTIONS_PAGE},
            check=recent,
        )
        self.timeline(pair.relation_id, "single")

    @task(3)
    def marketplace_reads(self) -> None:
        self.run_step(self._marketplace_reads)

    def _marketplace_reads(self) -> None:
        pair = self.pair
        call(
            self.client,
            "GET",
            "/api/me/profile/",
            token=pair.tutor.token,
            check=equals(pair.profile),
        )
        call(
            self.client,
            "GET",
            "/api/me/profile/availability/",
            token=pair.tutor.token,
            check=equals(pair.week),
        )
        self.listing_shows_own(self.other)

    @task(1)
    def listing_walk(self) -> None:
        self.run_step(self._listing_walk)

    def _listing_walk(self) -> None:
        """Every tutor of the run's subject, most expensive first, by cursor."""
        pair = self.pair
        rows = pages(
            [self.other, self.client],
            "/api/marketplace/tutors/",
            {"subject": RUN.subject, "ordering": "-hourly_rate", "page_size": LISTING_PAGE_SIZE},
            name="/api/marketplace/tutors/ (walk)",
            token=pair.student.token,
            by_cache=True,
        )
        if rows is None:
            return
        users = [row["user"] for row in rows]
        rates = [float(row["hourly_rate"]) for row in rows]
        if (
            len(set(users)) != len(users)
            or rates != sorted(rates, reverse=True)
            or pair.tutor.user_id not in users
        ):
            self.environment.events.request.fire(
                request_type="GET",
                name="/api/marketplace/tutors/ (walk) [all pages]",
                response_time=0,
                response_length=0,
                exception=AssertionError(f"walk {list(zip(users, rates, strict=True))}"),
            )

    @task(1)
    def profile_write(self) -> None:
        self.run_step(self._profile_write)

    def _profile_write(self) -> None:
        """A new headline and week: the other instance's listing shows them at once."""
        pair = self.pair
        pair.versions += 1
        headline = RUN.headline(pair.index, f"v{pair.versions}")
        expected = {**pair.profile, "headline": headline}
        response = call(
            self.client,
            "PATCH",
            "/api/me/profile/",
            token=pair.tutor.token,
            json={"headline": headline},
            check=equals(expected),
        )
        if response is None:
            return
        pair.profile = expected
        if self.put_week(pair.versions):
            self.listing_shows_own(self.other)

    @task(1)
    def autosave(self) -> None:
        self.run_step(self._autosave)

    def _autosave(self) -> None:
        """PUT, PUT If-Match, GET, diff, publish If-Match, diff, PUT, DELETE If-Match, diff."""
        pair = self.pair
        token = pair.tutor.token
        pair.versions += 1
        draft = {
            **pair.profile,
            "headline": RUN.headline(pair.index, f"draft v{pair.versions}"),
            "description": f"Exam preparation, {RUN.token(pair.index)}; draft {pair.versions}.",
        }

        def diff(dirty: list[str]) -> bool:
            return (
                call(
                    self.client,
                    "GET",
                    "/api/me/profile/autosave/diff/",
                    token=token,
                    check=equals({"dirty": dirty}),
                )
                is not None
            )

        def put(body: dict[str, Any], dirty: list[str], over: int = 0) -> str:
            """Save ``body`` as the draft (over version ``over``; none: no draft yet):
            the new ETag, or "" if that failed."""

            def check(response: FastResponse) -> str | None:
                etag = response.headers.get("ETag")
                if response.json() != {"version": over + 1, "dirty": dirty}:
                    return f"{response.text[:200]}, expected version {over + 1}, dirty {dirty}"
                return None if etag == f'"{over + 1}"' else f"ETag {etag}"

            response = call(
                self.client,
                "PUT",
                "/api/me/profile/autosave/",
                name="/api/me/profile/autosave/" + (" [If-Match]" if over else ""),
                token=token,
                json=body,
                headers={"If-Match": f'"{over}"'} if over else {},
                check=check,
            )
            return "" if response is None else response.headers["ETag"]

        if not put(draft, ["description", "headline"]):
            return
        draft = {**draft, "headline": RUN.headline(pair.index, f"draft v{pair.versions}b")}
        etag = put(draft, ["description", "headline"], over=1)
        if not etag:
            return
        response = call(
            self.client,
            "GET",
            "/api/me/profile/autosave/",
            token=token,
            check=lambda r: unless(
                r.json() == {"version": 2, "draft": draft} and r.headers.get("ETag") == etag,
                f"ETag {r.headers.get('ETag')} {r.text[:300]}",
            ),
        )
        if response is None or not diff(["description", "headline"]):
            return
        response = call(
            self.client,
            "POST",
            "/api/me/profile/autosave/publish/",
            token=token,
            headers={"If-Match": etag},
            check=equals(draft),
        )
        if response is None:
            return
        pair.profile = draft
        if not diff([]):
            return
        etag = put({**draft, "description": "to be discarded"}, ["description"])
        if not etag:
            return
        response = call(
            self.client,
            "DELETE",
            "/api/me/profile/autosave/",
            token=token,
            expect=204,
            headers={"If-Match": etag},
        )
        if response is not None and diff([]):
            self.listing_shows_own(self.other)

    @task(1)
    def relation_life(self) -> None:
        self.run_step(self._relation_life)

    def _relation_life(self) -> None:
        """Two other students ask the tutor; accept one, batch-accept both (the first
        ``already active``), timelines, archive one, batch-archive both, a refused lesson."""
        pair = self.pair
        tutor = pair.tutor
        asking = [s for s in RUN.students() if s.user_id not in pair.partners][:2]
        while len(asking) < 2:
            student = register(self.client, "x", "Load test extra student", "UTC")
            if student is None:
                return
            RUN.extra_students.append(student)
            asking.append(student)
        first, second = asking
        pair.partners.update({first.user_id, second.user_id})
        step = f"{RUN.run_id}-{pair.index}-{len(pair.log)}"
        one = ask(self.client, first, tutor, key=f"{step}-ask")
        if not one:
            return
        pair.transition(one, "pending")
        two = ask(self.other, second, tutor)
        if not two:
            return
        pair.transition(two, "pending")
        if not self.act(one, "accept", "active"):
            return
        expected = {"processed": [two], "failed": [{"id": one, "error": "already active"}]}
        key = f"{step}-accept"
        if batch(self.client, "accept", tutor, [two, one], expected, key=key, replayed=False):
            pair.transition(two, "active")
        else:
            return
        if not batch(
            self.other,
            "accept",
            tutor,
            [two, one],
            expected,
            key=key,
            replayed=True,
            name="/api/tutor/relations/batch/accept/ [replay]",
        ):
            return
        self.timeline(one, "single")
        self.timeline(two, "batch")
        if not self.act(one, "archive", "archived"):
            return
        expected = {"processed": [two], "failed": [{"id": one, "error": "already archived"}]}
        if not batch(self.client, "archive", tutor, [two, one], expected):
            return
        pair.transition(two, "archived")
        # Without an active relation the tutor may no longer book this student.
        start, end = RUN.slot(-1)
        call(
            self.client,
            "POST",
            "/api/lessons/",
            name="/api/lessons/ [archived relation]",
            token=tutor.token,
            expect=403,
            json={"student": first.user_id, "start": utc_z(start), "end": utc_z(end)},
            check=error_code("scheduling_not_allowed"),
        )

    @task(1)
    def account(self) -> None:
        self.run_step(self._account)

    def _account(self) -> None:
        """The tutor reads its account and moves to another zone (the calendar follows)."""
        pair = self.pair
        tutor = pair.tutor
        me = {
            "id": tutor.user_id,
            "username": tutor.username,
            "display_name": f"Load test tutor {pair.index}",
            "timezone": tutor.timezone,
        }
        if (
            call(
                self.client,
                "GET",
                "/api/auth/me/",
                token=tutor.token,
                check=equals(me),
            )
            is None
        ):
            return
        zone = TIMEZONES[(TIMEZONES.index(tutor.timezone) + 1) % len(TIMEZONES)]
        if (
            call(
                self.other,
                "PATCH",
                "/api/auth/me/",
                token=tutor.token,
                json={"timezone": zone},
                check=equals({**me, "timezone": zone}),
            )
            is not None
        ):
            tutor.timezone = zone


# --- The run: its levels, and what the servers say at the end ---------------------------


@events.init_command_line_parser.add_listener
def _arguments(parser: Any) -> None:
    parser.add_argument("--levels", default="10,30", help="users of each level, e.g. 10,30")
    parser.add_argument(
        "--level-seconds", type=float, default=25, help="seconds of each level once signed up"
    )
    parser.add_argument(
        "--other-host", default="", help="a second instance for listing reads and every 2nd page"
    )
    parser.add_argument(
        "--server-logs", default="", help="the instances' logs, comma-separated: no ERROR line"
    )
    parser.add_argument(
        "--metrics-dirs",
        default="",
        help="the instances' PROMETHEUS_MULTIPROC_DIRs, comma-separated: /metrics adds up",
    )


class Levels(LoadTestShape):
    """Each level of ``--levels`` users for ``--level-seconds`` once all of them have
    signed up (password hashing: seconds at 30 users on 2 cores), then the next one."""

    level = 0
    began: float | None = None
    clock: float | None = None

    def tick(self) -> tuple[int, float] | None:
        options = self.runner.environment.parsed_options
        levels = [int(users) for users in options.levels.split(",")]
        if self.level == len(levels):
            return None
        users, now = levels[self.level], time.monotonic()
        self.began = self.began or now
        if self.clock is None and (RUN.started >= users or now - self.began > SIGN_UP_SECONDS):
            print(f"{users} users: {RUN.started} signed up in {now - self.began:.1f} s", flush=True)
            self.clock = now
        if self.clock is not None and now - self.clock >= options.level_seconds:
            self.level, self.began, self.clock = self.level + 1, None, None
            return self.tick()
        return users, users


def instances(environment: Environment) -> list[str]:
    other = environment.parsed_options.other_host
    return [environment.host, other] if other else [environment.host]


# Requests each instance answered (any status), by base URL: what its /metrics counts.
ANSWERED: Counter[str] = Counter()
# Each instance's http_requests_total before the run.
BEFORE: dict[str, float] = {}


@events.request.add_listener
def _count_answer(url: str | None = None, response: Any = None, **kwargs: Any) -> None:
    if url and getattr(response, "status_code", 0):
        ANSWERED["/".join(url.split("/")[:3])] += 1


def requests_total(families: Any) -> float:
    return sum(
        sample.value
        for family in families
        for sample in family.samples
        if sample.name == "http_requests_total"
    )


def scrape(base_url: str) -> float:
    """``http_requests_total`` as ``/metrics`` answers it (this request not counted yet)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"{base_url}/metrics", timeout=30) as answer:
        return requests_total(text_string_to_metric_families(answer.read().decode()))


@events.test_start.add_listener
def _scrape_before(environment: Environment, **kwargs: Any) -> None:
    if environment.parsed_options.metrics_dirs:
        BEFORE.update({url: scrape(url) for url in instances(environment)})


@events.quitting.add_listener
def check_servers(environment: Environment, **kwargs: Any) -> None:
    """Exit code 1 on an ERROR line in a server log or a ``/metrics`` that does not add
    up: each instance's total is the sum of its workers' files (every worker served)
    and what it counted before the run, plus that scrape, plus every answer of the run.

    Warnings and latency reports of the logs (a slow listing miss) are printed only.
    """
    options = environment.parsed_options
    problems = []
    for log in [Path(path) for path in options.server_logs.split(",") if path]:
        for note in server_log_notes(log):
            print(f"{log.name}: {note}")
        errors = server_log_errors(log)
        if errors:
            problems.append(f"{len(errors)} error line(s) in {log}, first: {errors[0][:600]}")
    directories = [Path(path) for path in options.metrics_dirs.split(",") if path]
    for url, directory in zip(instances(environment), directories, strict=False):
        workers = [
            requests_total(MultiProcessCollector.merge([str(path)], accumulate=True))
            for path in sorted(directory.glob("counter_*.db"))
        ]
        try:
            scraped = scrape(url)
        except OSError as error:
            problems.append(f"{url}/metrics: {error}")
            continue
        expected = BEFORE.get(url, float("nan")) + 1 + ANSWERED[url]
        line = (
            f"{url}/metrics: http_requests_total {scraped:.0f}; workers "
            f"{' + '.join(f'{count:.0f}' for count in workers)}; expected {expected:.0f} "
            f"({BEFORE.get(url, 0):.0f} before the run, 1 scrape, {ANSWERED[url]} answers)"
        )
        print(line)
        if len(workers) < 2 or not all(workers) or not scraped == sum(workers) == expected:
            problems.append(f"/metrics does not add up: {line}")
    for problem in problems:
        print(f"load test FAILED: {problem}")
    if problems:
        environment.process_exit_code = 1
