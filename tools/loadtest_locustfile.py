"""The locust test of ``nox -s loadtest``: a tutor and a student on every endpoint.

``tools/loadtest.py`` runs it headless against two gunicorns (``--host``, ``--other-host``);
alone: ``locust -f tools/loadtest_locustfile.py --host URL`` (e.g. ``nox -s demo``'s).

Every user registers a *pair* (a tutor and the tutor's own student) and is the only one
to write as that tutor, so each answer is checked against what the user knows: ``call``
fails the request (locust's ``catch_response``) unless its status is the expected one
and ``want`` finds the body (and headers) as expected. The user talks to its home
instance and reads the listing and every second page through the other one, so a read
after a write crosses instances. ``TASKS`` is the table of flows and their weights.
``Levels`` holds each of ``--levels`` users for ``--level-seconds`` once all have signed
up; at the end an ERROR line in a ``--server-logs`` or a ``/metrics`` of the
``--metrics-dirs`` that does not add up sets the exit code to 1, as locust itself does
on any failed request or exception of a user.
"""

from __future__ import annotations

import secrets
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from locust import FastHttpUser, LoadTestShape, between, events
from locust.contrib.fasthttp import FastHttpSession
from locust.exception import StopUser
from processes import server_log_errors, server_log_notes
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

# Users in several zones, so that local-time conversion is part of every request.
ZONES = ("Europe/Kyiv", "America/New_York", "Asia/Tokyo", "Europe/London", "UTC")
PASSWORD = f"Lt-{secrets.token_urlsafe(16)}"
RUN_ID = f"{int(time.time()):x}{secrets.token_hex(2)}"
SUBJECT = f"lt{RUN_ID}"  # the run's own subject: the listing shows only its tutors with it
# Whole hours a week ahead: no lesson expires during the run.
FIRST_SLOT = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=7)
CREATED_THEN_ACCEPTED = [("", "pending"), ("pending", "active")]
RECENT = 5  # recent-actions page size: exactly the tutor's newest entries
SIGN_UP_SECONDS = 90  # at most this long for a level's users to sign up before its clock
USERS: list[Pair] = []
EXTRA_STUDENTS: list[Account] = []  # registered only to ask tutors, once others ran out
STARTED = Counter()  # "users": through on_start, signed up or not; "accounts": registered


@dataclass
class Account:
    username: str
    user_id: int
    token: str
    timezone: str


# --- What each pair publishes, and how the listing shows it -----------------------------


def text(index: int) -> str:
    """What only pair ``index``'s profile holds (``q`` finds it and nothing else)."""
    return f"{SUBJECT}c{index:02d}"


def headline(index: int, version: str = "") -> str:
    return f"Load test tutor {text(index)}" + (f", {version}" if version else "")


def published(index: int) -> dict[str, Any]:
    return {
        "headline": headline(index),
        "description": f"Exam preparation, {text(index)}.",
        "is_published": True,
        "settings": {
            "hourly_rate": f"{20 + index}.00",  # rates rise with the index
            "currency": ("UAH", "USD", "EUR")[index % 3],
            "subjects": sorted(["math", SUBJECT]),
        },
    }


def listed(user: Pair) -> dict[str, Any]:
    settings = user.profile["settings"]
    return {
        "user": user.tutor.user_id,
        "display_name": f"Load test tutor {user.index}",
        "headline": user.profile["headline"],
        **{key: settings[key] for key in ("hourly_rate", "currency", "subjects")},
    }


def own_filters(index: int) -> dict[str, Any]:
    """Every filter of the listing, narrowed to pair ``index``'s tutor alone."""
    return {
        **{"subject": SUBJECT, "min_rate": 20 + index, "max_rate": 25 + index},
        **{"weekday": index % 7, "q": text(index), "ordering": "hourly_rate", "page_size": 5},
    }


def week(index: int, shift: int = 0) -> list[dict[str, Any]]:
    """Three slots, two touching on the pair's own weekday, in no particular order;
    ``shift`` moves the third day (the ``weekday`` filter keeps matching)."""
    day, other = index % 7, (index + 3 + shift) % 7
    other = (other + 1) % 7 if other == day else other
    return [
        {"weekday": other, "start": "14:00", "end": "18:00"},
        {"weekday": day, "start": "12:00", "end": "13:30"},
        {"weekday": day, "start": "09:00", "end": "12:00"},
    ]


def slot(number: int) -> tuple[datetime, datetime]:
    """Two hours apart, one hour long: room to move each lesson by 30 minutes."""
    start = FIRST_SLOT + timedelta(hours=2 * number)
    return start, start + timedelta(hours=1)


def local(moment: datetime, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).isoformat()


def utc_z(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


# --- Requests -------------------------------------------------------------------------

# What ``call`` checks: a body to equal, or (body, response) -> (found, expected).
Want = Any


def call(
    session: FastHttpSession,
    method: str,
    path: str,
    token: str | None = None,
    *,
    expect: int = 200,
    want: Want = None,
    name: str | None = None,
    cache: bool = False,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> SimpleNamespace | None:
    """One request, reported as ``name`` (``path``; ``cache``: plus ``[HIT]``/``[MISS]``
    after ``X-Cache``); a failure unless the status is ``expect`` and the body is as
    ``want`` says (a body of the wrong shape fails too). Its body and headers, or None."""
    name, sent = name or path, {**(headers or {})}
    if token:
        sent["Authorization"] = f"Token {token}"
    with session.request(method, path, name=name, headers=sent, catch_response=True, **kwargs) as r:
        if cache:
            r.request_meta["name"] = f"{name} [{(r.headers or {}).get('X-Cache', 'no X-Cache')}]"
        problem = None
        if r.status_code != expect:
            said = r.error if r.status_code == 0 else (r.text or "")[:300]
            problem = f"{r.status_code} {said}, expected {expect}"
        elif want is not None:
            try:
                found, expected = want(r.json(), r) if callable(want) else (r.json(), want)
                if found != expected:
                    problem = f"found {str(found)[:300]}, expected {str(expected)[:300]}"
            except Exception as error:
                problem = f"unexpected body ({type(error).__name__}: {error}): {r.text!s:.300}"
        if problem:
            r.failure(problem)
            return None
        r.success()
        # Always true, unlike a response (whose length may be None).
        return SimpleNamespace(body=r.json() if r.text else None, headers=r.headers)


def failed(user: Pair, name: str, problem: str) -> None:
    """A failure of a check over several answers, each fine on its own."""
    user.environment.events.request.fire(
        request_type="GET", name=name, response_time=0, response_length=0,
        exception=AssertionError(problem),
    )  # fmt: skip


def error_code(code: str) -> Want:
    return lambda body, r: (body["errors"][0]["code"], code)


def register(session: FastHttpSession, role: str, display_name: str, zone: str) -> Account | None:
    STARTED["accounts"] += 1
    username = f"lt{RUN_ID}{role}{STARTED['accounts']}"
    r = call(
        session, "POST", "/api/auth/register/", expect=201,
        json={"username": username, "password": PASSWORD, "display_name": display_name,
              "timezone": zone},
        want=lambda b, r: ((b["username"], b["timezone"]), (username, zone)),
    )  # fmt: skip
    return r and Account(username, r.body["id"], r.body["token"], zone)


def ask(session: FastHttpSession, student: Account, tutor: Account, key: str = "") -> int:
    """``student`` asks ``tutor``; with ``key`` again, a replay: the relation's id or 0."""
    path, json, headers = "/api/student/relations/", {"tutor": tutor.user_id}, {}
    if key:
        headers["Idempotency-Key"] = key
    r = call(
        session, "POST", path, student.token, expect=201, json=json, headers=headers,
        want=lambda b, r: ((b["status"], b["tutor"]["id"]), ("pending", tutor.user_id)),
    )  # fmt: skip
    if r and key:  # the same key acts no more: the same relation, marked replayed
        first = r.body
        r = call(
            session, "POST", path, student.token, expect=201, json=json, headers=headers,
            name=f"{path} [replay]",
            want=lambda b, r: ((b, r.headers.get("Idempotent-Replayed")), (first, "true")),
        )  # fmt: skip
    return r.body["id"] if r else 0


def pages(user: Pair, path: str, params: dict, name: str, token: str, cache: bool = False):
    """Every row of a cursor-paginated list, pages alternating between the instances (a
    cursor from one works on the other); None if a page failed."""
    rows, cursor = [], None
    # The listing (cached) starts on the other instance, a tutor's students at home.
    sessions = (user.other, user.client) if cache else (user.client, user.other)
    for number in range(100):
        r = call(
            sessions[number % 2], "GET", path, token, name=name, cache=cache,
            params={**params, "cursor": cursor} if cursor else params,
            want=lambda b, r: (b["cursor"] is not None, b["has_more"]),
        )  # fmt: skip
        if r is None:
            return None
        rows += r.body["results"]
        cursor = r.body["cursor"]
        if not r.body["has_more"]:
            return rows
    return None


# --- The user and its tasks -----------------------------------------------------------


class Pair(FastHttpUser):
    """One tutor, the tutor's own student, and what the tutor's side holds; ``TutorAndStudent``
    gives it its tasks."""

    abstract = True
    wait_time = between(0.05, 0.3)
    network_timeout = 60.0  # a small machine queues requests behind password hashing
    connection_timeout = 10.0
    complete = False  # registered, published, related: its student may ask other tutors

    def on_start(self) -> None:
        try:
            if not self.set_up():  # a step failed (and was reported): this user stops
                raise StopUser
        finally:
            STARTED["users"] += 1

    def set_up(self) -> bool:
        """Register, publish the profile and week, relate the two (a student may ask only
        a listed tutor: ``TUTOR_ELIGIBILITY``), sign in."""
        self.index = index = len(USERS)
        USERS.append(self)
        self.relations: dict[int, str] = {}  # every relation of the tutor: id -> status
        self.log: list[tuple[int, str]] = []  # the tutor's audit log, oldest first
        self.lessons: dict[int, tuple[int, str]] = {}  # slot number -> (id, status)
        self.next_slot = self.versions = 0
        self.partners: set[int] = set()  # students related once (a pair can be only once)
        hosts = [self.host, self.environment.parsed_options.other_host or self.host]
        self.client.base_url = hosts[index % 2]
        self.other = FastHttpSession(
            base_url=hosts[(index + 1) % 2], request_event=self.environment.events.request,
            user=self, network_timeout=self.network_timeout,
            connection_timeout=self.connection_timeout, max_retries=self.max_retries,
        )  # fmt: skip
        self.tutor = register(self.client, "t", f"Load test tutor {index}", ZONES[index % 5])
        zone = ZONES[(index + 1) % 5]
        self.student = register(self.client, "s", f"Load test student {index}", zone)
        if not (self.tutor and self.student):
            return False
        expected = published(index)
        settings = {
            **expected["settings"],
            # A number or text: the answer is text with two decimals either way.
            "hourly_rate": 20 + index if index % 2 else expected["settings"]["hourly_rate"],
            "subjects": [" Math ", SUBJECT.upper()],  # other spellings of the same
        }
        patch = {**expected, "settings": settings}
        if not self.tutor_call("PATCH", "/api/me/profile/", json=patch, want=expected):
            return False
        self.profile = expected
        if not self.put_week(0):
            return False
        self.relation_id = ask(self.client, self.student, self.tutor, f"{RUN_ID}-ask-{index}")
        if not self.relation_id:
            return False
        self.partners.add(self.student.user_id)
        self.transition(self.relation_id, "pending")
        self.complete = self.act(self.relation_id, "accept", "active", self.student)
        credentials = {"username": self.tutor.username, "password": PASSWORD}
        token = {"token": self.tutor.token}
        return self.complete and bool(
            call(self.client, "POST", "/api/auth/token/", json=credentials, want=token)
        )

    def tutor_call(self, method: str, path: str, **kwargs: Any) -> SimpleNamespace | None:
        return call(kwargs.pop("session", self.client), method, path, self.tutor.token, **kwargs)

    def transition(self, relation_id: int, status: str) -> None:
        self.relations[relation_id] = status
        self.log.append((relation_id, status))

    def act(self, relation_id: int, action: str, status: str, student: Account | None = None):
        """The tutor's ``action`` on one relation, answering ``status`` (and ``student``)."""
        r = self.tutor_call(
            "POST", f"/api/tutor/relations/{relation_id}/{action}/",
            name=f"/api/tutor/relations/{{id}}/{action}/",
            want=lambda b, r: (
                (b["status"], b["student"]["id"] if student else None),
                (status, student.user_id if student else None),
            ),
        )  # fmt: skip
        if r:
            self.transition(relation_id, status)
        return bool(r)

    def batch(self, action: str, ids: list[int], expected: dict, key: str = "", replay=False):
        """A batch ``action``: ``expected`` answered, replayed only when it is a replay."""
        return self.tutor_call(
            "POST", f"/api/tutor/relations/batch/{action}/", json={"ids": ids},
            session=self.other if replay else self.client,
            name=f"/api/tutor/relations/batch/{action}/" + (" [replay]" if replay else ""),
            headers={"Idempotency-Key": key} if key else {},
            want=lambda b, r: (
                (b, r.headers.get("Idempotent-Replayed") == "true"), (expected, replay)
            ),
        )  # fmt: skip

    def timeline(self, relation_id: int, source: str) -> None:
        """Created, then accepted by a ``source`` ("single" or "batch") accept."""
        self.tutor_call(
            "GET", f"/api/tutor/relations/{relation_id}/timeline/",
            name="/api/tutor/relations/{id}/timeline/",
            want=lambda b, r: (
                ([(e["prev_status"], e["new_status"]) for e in b["results"]],
                 b["results"][1]["metadata"]["source"]),
                (CREATED_THEN_ACCEPTED, source),
            ),
        )  # fmt: skip

    def put_week(self, shift: int) -> bool:
        ordered = sorted(week(self.index, shift), key=lambda s: (s["weekday"], s["start"]))
        path = "/api/me/profile/availability/"
        if self.tutor_call("PUT", path, json=week(self.index, shift), want=ordered):
            self.week = ordered
            return True
        return False

    def listing_shows_own(self) -> bool:
        """The listing through the other instance, narrowed to this tutor: exactly it, as
        last written (never cached: ``q`` is a text search)."""
        return bool(
            call(
                self.other, "GET", "/api/marketplace/tutors/", self.student.token, cache=True,
                params=own_filters(self.index),
                want=lambda b, r: (b["results"], [listed(self)]),
            )
        )  # fmt: skip

    def calendar(self, account: Account, number: int) -> bool:
        """``account``'s calendar over the last five slots: their lessons, its zone."""
        to = slot(number)[1] + timedelta(minutes=59)
        window = {"from": utc_z(slot(number - 4)[0]), "to": utc_z(to)}
        expected = sorted(v for k, v in self.lessons.items() if number - 4 <= k <= number)
        return bool(
            call(
                self.client, "GET", "/api/lessons/my/", account.token, params=window,
                want=lambda b, r: (
                    (sorted((row["id"], row["status"]) for row in b["results"]), b["timezone"]),
                    (expected, account.timezone),
                ),
            )
        )  # fmt: skip


def lessons(user: Pair) -> None:
    """Create, calendar, reschedule by the student, calendar, then a conflict or a cancel."""
    number, (start, end) = user.next_slot, slot(user.next_slot)
    user.next_slot += 1
    r = user.tutor_call(
        "POST", "/api/lessons/", expect=201,
        json={"student": user.student.user_id, "start": local(start, user.tutor.timezone),
              "end": local(end, user.tutor.timezone)},
        want=lambda b, r: ((b["status"], b["utc_start"]), ("scheduled", utc_z(start))),
    )  # fmt: skip
    if not r:
        return
    lesson_id = r.body["id"]
    user.lessons[number] = (lesson_id, "scheduled")
    if not user.calendar(user.tutor, number):
        return
    moved = (start + timedelta(minutes=30), end + timedelta(minutes=30))
    zone = user.student.timezone
    if not call(
        user.client, "PATCH", f"/api/lessons/{lesson_id}/reschedule/", user.student.token,
        name="/api/lessons/{id}/reschedule/",
        json={"start": local(moved[0], zone), "end": local(moved[1], zone)},
        want=lambda b, r: (b["utc_start"], utc_z(moved[0])),
    ) or not user.calendar(user.student, number):  # fmt: skip
        return
    if number % 2:  # overlapping the moved lesson: refused for the tutor, whoever the student
        user.tutor_call(
            "POST", "/api/lessons/", name="/api/lessons/ [conflict]", expect=409,
            json={"student": user.student.user_id, "start": utc_z(start), "end": utc_z(end)},
            want=error_code("time_conflict"),
        )  # fmt: skip
    elif user.tutor_call(
        "POST", f"/api/lessons/{lesson_id}/cancel/", name="/api/lessons/{id}/cancel/",
        json={"reason": "load test"}, want=lambda b, r: (b["status"], "cancelled"),
    ):  # fmt: skip
        user.lessons[number] = (lesson_id, "cancelled")


def relation_reads(user: Pair) -> None:
    """The tutor's active students one a page, the student's tutors, the tutor's recent
    actions (exactly its newest entries, newest first), the pair's timeline."""
    active = sorted(pk for pk, status in user.relations.items() if status == "active")
    path = "/api/tutor/relations/students/"
    rows = pages(user, path, {"status": "active", "page_size": 1}, path, user.tutor.token)
    if rows is None:
        return
    if sorted(row["id"] for row in rows) != active:
        found = sorted(row["id"] for row in rows)
        failed(user, f"{path} [all pages]", f"active students {found}, expected {active}")
        return
    call(
        user.client, "GET", "/api/student/relations/", user.student.token,
        params={"status": "active"},
        want=lambda b, r: (
            (user.relation_id in [row["id"] for row in b["results"]],
             {row["status"] for row in b["results"]}),
            (True, {"active"}),
        ),
    )  # fmt: skip
    newest = list(reversed(user.log[-RECENT:]))
    user.tutor_call(
        "GET", "/api/tutor/relations/recent-actions/", params={"page_size": RECENT},
        want=lambda b, r: (
            ([(e["relation_id"], e["new_status"]) for e in b["results"]],
             newest_first(b["results"])),
            (newest, True),
        ),
    )  # fmt: skip
    user.timeline(user.relation_id, "single")


def newest_first(entries: list[dict[str, Any]]) -> bool:
    moments = [datetime.fromisoformat(entry["timestamp"]) for entry in entries]
    return moments == sorted(moments, reverse=True)


def marketplace_reads(user: Pair) -> None:
    user.tutor_call("GET", "/api/me/profile/", want=user.profile)
    user.tutor_call("GET", "/api/me/profile/availability/", want=user.week)
    user.listing_shows_own()


def listing_walk(user: Pair) -> None:
    """Every tutor of the run's subject, most expensive first, by cursor."""
    path, name = "/api/marketplace/tutors/", "/api/marketplace/tutors/ (walk)"
    params = {"subject": SUBJECT, "ordering": "-hourly_rate", "page_size": 7}
    rows = pages(user, path, params, name, user.student.token, cache=True)
    if rows is None:
        return
    users, rates = [row["user"] for row in rows], [float(row["hourly_rate"]) for row in rows]
    if len(set(users)) != len(users) or rates != sorted(rates, reverse=True):
        failed(user, f"{name} [all pages]", f"walk {list(zip(users, rates, strict=True))}")
    elif user.tutor.user_id not in users:
        failed(user, f"{name} [all pages]", f"walk without {user.tutor.user_id}: {users}")


def profile_write(user: Pair) -> None:
    """A new headline and week: the other instance's listing shows them at once."""
    user.versions += 1
    expected = {**user.profile, "headline": headline(user.index, f"v{user.versions}")}
    body = {"headline": expected["headline"]}
    if user.tutor_call("PATCH", "/api/me/profile/", json=body, want=expected):
        user.profile = expected
        if user.put_week(user.versions):
            user.listing_shows_own()


def autosave(user: Pair) -> None:
    """PUT, PUT If-Match, GET, diff, publish If-Match, diff, PUT, DELETE If-Match, diff."""
    path, both = "/api/me/profile/autosave/", ["description", "headline"]
    user.versions += 1
    draft = {
        **user.profile,
        "headline": headline(user.index, f"draft v{user.versions}"),
        "description": f"Exam preparation, {text(user.index)}; draft {user.versions}.",
    }

    def diff(dirty: list[str]) -> bool:
        return bool(user.tutor_call("GET", f"{path}diff/", want={"dirty": dirty}))

    def put(body: dict[str, Any], dirty: list[str], over: int = 0) -> str:
        """Save ``body`` over version ``over`` (0: no draft yet): the new ETag or ""."""
        r = user.tutor_call(
            "PUT", path, json=body, name=path + (" [If-Match]" if over else ""),
            headers={"If-Match": f'"{over}"'} if over else {},
            want=lambda b, r: (
                (b, r.headers.get("ETag")), ({"version": over + 1, "dirty": dirty}, f'"{over + 1}"')
            ),
        )  # fmt: skip
        return r.headers["ETag"] if r else ""

    if not put(draft, both):
        return
    draft = {**draft, "headline": headline(user.index, f"draft v{user.versions}b")}
    if not (etag := put(draft, both, over=1)):
        return
    saved = {"version": 2, "draft": draft}
    if not user.tutor_call(
        "GET", path, want=lambda b, r: ((b, r.headers.get("ETag")), (saved, etag))
    ) or not diff(both):  # fmt: skip
        return
    if not user.tutor_call("POST", f"{path}publish/", headers={"If-Match": etag}, want=draft):
        return
    user.profile = draft
    if not diff([]) or not (etag := put({**draft, "description": "gone"}, ["description"])):
        return
    if user.tutor_call("DELETE", path, expect=204, headers={"If-Match": etag}) and diff([]):
        user.listing_shows_own()


def relation_life(user: Pair) -> None:
    """Two other students ask the tutor (one with an ``Idempotency-Key`` and its replay);
    accept one, batch-accept both (the first ``already active``) and its replay, the
    timelines, archive one, batch-archive both, then a lesson with it refused."""
    students = [other.student for other in USERS if other.complete] + EXTRA_STUDENTS
    asking = [student for student in students if student.user_id not in user.partners][:2]
    while len(asking) < 2:
        student = register(user.client, "x", "Load test extra student", "UTC")
        if student is None:
            return
        EXTRA_STUDENTS.append(student)
        asking.append(student)
    first, second = asking
    user.partners |= {first.user_id, second.user_id}
    step = f"{RUN_ID}-{user.index}-{len(user.log)}"
    one = ask(user.client, first, user.tutor, key=f"{step}-ask")
    if not one:
        return
    user.transition(one, "pending")
    two = ask(user.other, second, user.tutor)
    if not two:
        return
    user.transition(two, "pending")
    if not user.act(one, "accept", "active"):
        return
    accepted = {"processed": [two], "failed": [{"id": one, "error": "already active"}]}
    if not user.batch("accept", [two, one], accepted, key=f"{step}-accept"):
        return
    user.transition(two, "active")
    if not user.batch("accept", [two, one], accepted, key=f"{step}-accept", replay=True):
        return
    user.timeline(one, "single")
    user.timeline(two, "batch")
    if not user.act(one, "archive", "archived"):
        return
    archived = {"processed": [two], "failed": [{"id": one, "error": "already archived"}]}
    if not user.batch("archive", [two, one], archived):
        return
    user.transition(two, "archived")
    start, end = slot(-1)  # no active relation: the tutor may no longer book this student
    user.tutor_call(
        "POST", "/api/lessons/", name="/api/lessons/ [archived relation]", expect=403,
        json={"student": first.user_id, "start": utc_z(start), "end": utc_z(end)},
        want=error_code("scheduling_not_allowed"),
    )  # fmt: skip


def account(user: Pair) -> None:
    """The tutor reads its account and moves to the next zone through the other instance."""
    tutor = user.tutor
    me = {"id": tutor.user_id, "username": tutor.username,
          "display_name": f"Load test tutor {user.index}", "timezone": tutor.timezone}  # fmt: skip
    zone = ZONES[(ZONES.index(tutor.timezone) + 1) % len(ZONES)]
    if user.tutor_call("GET", "/api/auth/me/", want=me) and user.tutor_call(
        "PATCH", "/api/auth/me/", session=user.other, json={"timezone": zone},
        want={**me, "timezone": zone},
    ):  # fmt: skip
        tutor.timezone = zone


# The flows and their weights: a closed loop, each a whole step of the pair's story.
TASKS = {
    lessons: 3, relation_reads: 3, marketplace_reads: 3, listing_walk: 1,
    profile_write: 1, autosave: 1, relation_life: 1, account: 1,
}  # fmt: skip


class TutorAndStudent(Pair):
    tasks = TASKS


# --- The run: its levels, and what the servers say at the end ---------------------------


@events.init_command_line_parser.add_listener
def _arguments(parser: Any) -> None:
    add = parser.add_argument
    add("--levels", default="10,30", help="users of each level, e.g. 10,30")
    add("--level-seconds", type=float, default=25, help="seconds of each level once signed up")
    add("--other-host", default="", help="a second instance: listing reads, every 2nd page")
    add("--server-logs", default="", help="the instances' logs, comma-separated: no ERROR line")
    add("--metrics-dirs", default="", help="their PROMETHEUS_MULTIPROC_DIRs: /metrics adds up")


class Levels(LoadTestShape):
    """Each level of ``--levels`` users for ``--level-seconds`` once all of them have
    signed up (password hashing: seconds at 30 users on 2 cores), then the next one."""

    level, began, clock = 0, None, None

    def tick(self) -> tuple[int, float] | None:
        options = self.runner.environment.parsed_options
        levels = [int(users) for users in options.levels.split(",")]
        if self.level == len(levels):
            return None
        users, now = levels[self.level], time.monotonic()
        self.began = self.began or now
        if self.clock is None and (STARTED["users"] >= users or now - self.began > SIGN_UP_SECONDS):
            signed_up = f"{STARTED['users']} signed up in {now - self.began:.1f} s"
            print(f"{users} users: {signed_up}", flush=True)
            self.clock = now
        if self.clock is not None and now - self.clock >= options.level_seconds:
            self.level, self.began, self.clock = self.level + 1, None, None
            return self.tick()
        return users, users


ANSWERED: Counter[str] = Counter()  # requests each instance answered: what /metrics counts
BEFORE: dict[str, float] = {}  # each instance's http_requests_total before the run


def instances(environment: Any) -> list[str]:
    return list(filter(None, [environment.host, environment.parsed_options.other_host]))


@events.request.add_listener
def _count_answer(url: str | None = None, response: Any = None, **kwargs: Any) -> None:
    if url and getattr(response, "status_code", 0):
        ANSWERED["/".join(url.split("/")[:3])] += 1


def requests_total(families: Any) -> float:
    samples = (sample for family in families for sample in family.samples)
    return sum(sample.value for sample in samples if sample.name == "http_requests_total")


def scrape(base_url: str) -> float:
    """``http_requests_total`` as ``/metrics`` answers it (this request not counted yet)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"{base_url}/metrics", timeout=30) as answer:
        return requests_total(text_string_to_metric_families(answer.read().decode()))


@events.test_start.add_listener
def _scrape_before(environment: Any, **kwargs: Any) -> None:
    if environment.parsed_options.metrics_dirs:
        BEFORE.update({url: scrape(url) for url in instances(environment)})


@events.quitting.add_listener
def check_servers(environment: Any, **kwargs: Any) -> None:
    """Exit code 1 on an ERROR line in a server log or a ``/metrics`` that does not add
    up: each instance's total is the sum of its workers' files (every worker served),
    and what it counted before the run plus that scrape plus every answer of the run.
    Warnings and latency reports of the logs (a slow listing miss) are printed only."""
    options, problems = environment.parsed_options, []
    for log in [Path(path) for path in options.server_logs.split(",") if path]:
        for note in server_log_notes(log):
            print(f"{log.name}: {note}")
        if errors := server_log_errors(log):
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
        environment.process_exit_code = 1
