"""Load test: every endpoint of the example project, at 10 and 30 locust users, on two app
servers that share one PostgreSQL and one Redis.

    python tools/loadtest.py [--levels 10,30] [--duration 25] [--ports 8098,8099]

It creates the PostgreSQL database of ``DATABASE_URL`` if it is missing (default
``postgres://postgres@127.0.0.1:5432/tutor_loadtest``; ``REDIS_URL`` defaults to
``redis://127.0.0.1:6379/3``: the throttles and the marketplace listing cache live
there), migrates, and serves ``example_project`` twice under gunicorn, the way a host
scales out: instances A and B on two ports, 2 workers each, ``DEBUG=0``, one
``SECRET_KEY`` (a cursor from one instance works on the other) and each its own
``PROMETHEUS_MULTIPROC_DIR``. Both are always stopped at the end, on a failure or
Ctrl+C too. Users are registered fresh on every run and the listing is filtered by a
subject of the run's own, so runs do not depend on each other.

Each load level (``--levels``) is two phases, reported together in one table:

1. **Mixed load** (locust, ``--duration`` seconds once every user has signed up): as
   many locust users as the level, each a tutor with a student of its own on every
   endpoint, spread over both instances (``tools/loadtest_locustfile.py`` says what
   each task checks). A user of the second level takes over a pair of the first one
   where it can.
2. **Correctness bursts**, driven from here through locust's own HTTP client (so their
   requests are in the same table), every request of a burst sent at once, half to each
   instance, each judged once all are answered:

   - the listing: every pair writes its profile; then, with nothing written meanwhile,
     its own filters answer ``X-Cache: MISS`` and then ``HIT`` with the same body, and a
     walk by cursor through all the run's tutors finds them all, most expensive first;
     then each pair writes its headline and its filters answer MISS with the new one;
   - across instances: the listing read through B answers HIT; a profile write through
     A; B answers MISS with the new headline, then HIT (and the same the other way);
   - relations: every pair's student asks a burst tutor (listed under a subject of its
     own, so no listing check above sees it), and the burst student every pair's tutor
     (accepted in a batch, with an ``Idempotency-Key`` and its replay); then every
     client batch-accepts the burst tutor's same pending ids, each in its own order:
     every id processed exactly once in all the answers together, each answer
     reporting the others ``already active``, each timeline one batch accept;
   - lessons: every client books the same slot for the burst tutor and student, then
     every pair's tutor the same slot with the burst student: exactly one 201 each time,
     the rest 409 ``time_conflict``;
   - every client batch-archives the burst tutor's ids with one ``Idempotency-Key``:
     exactly one answer acts, the others replay it, all with the same body.

Then ``/metrics`` of each instance must aggregate its own two workers: the
``http_requests_total`` it answers equals the sum of what each worker's file holds
(both workers served requests) and the number of requests this run sent to that
instance and got an answer from.

The table (endpoint, requests, failures, p50, p95, max) of each level is printed and
written to ``.loadtest/report.md``, with locust's CSVs (``users<N>_stats.csv``,
``_failures.csv``, ``_exceptions.csv``) and both server logs beside it. The run exits 1
on any locust failure (a 5xx, a connection error, an unexpected status or body, a
failed check), any exception in a user, any ERROR line in a server log, a ``/metrics``
that does not add up, or a server that does not start. Warning lines of the server logs
(a slow listing miss, 4xx answers) are counted and printed; so is the marketplace's
"listing cache miss very slow", which it logs at ERROR level but which reports latency,
not a failure (``LATENCY_LOG_EVENTS``).

locust (its gevent HTTP client) drives every request; psycopg creates the database,
prometheus-client reads the workers' metric files. All traffic goes to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

# Importing locust (the locustfile does) monkey-patches the standard library for gevent;
# nothing above has opened a socket or started a thread by then.
import gevent
import gevent.event
import loadtest_locustfile as scenario
from create_database import ensure_postgres_database
from loadtest_locustfile import RUN, Pair, TutorAndStudent, call, transitions, utc_z
from locust.contrib.fasthttp import FastHttpSession, FastResponse
from locust.env import Environment
from locust.event import EventHook
from locust.stats import PERCENTILES_TO_REPORT, StatsCSV
from processes import (
    GUNICORN,
    THROTTLE_ENVIRONMENT,
    port_is_free,
    server_log_errors,
    server_log_notes,
    serving,
)
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_PROJECT = REPO_ROOT / "example_project"
OUT_DIR = REPO_ROOT / ".loadtest"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tutor_loadtest"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/3"
HOST = "127.0.0.1"
WORKERS_PER_INSTANCE = 2
KEEP_ALIVE_SECONDS = 75

SERVER_START_SECONDS = 30
# At most this long for every user of a level to sign up before its clock starts.
SIGN_UP_SECONDS = 90
# How long a user may finish the task it is in once a level's time is up.
STOP_TIMEOUT_SECONDS = 30


class LoadTestError(Exception):
    """The run cannot go on (setup failed, a server died)."""


# --- Servers --------------------------------------------------------------------------


@dataclass
class Instance:
    """One gunicorn of the example project, and what this run sent it."""

    name: str
    port: int
    log_path: Path
    metrics_dir: Path
    process: subprocess.Popen | None = None
    # Requests this instance answered: counted from every session of the run.
    answered: int = 0

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"


def count_answers(instances: list[Instance]) -> Callable[..., None]:
    """A listener of locust's request event: one more answer for the instance asked."""

    def listener(url: str | None = None, response: Any = None, **kwargs: Any) -> None:
        if not url or response is None or not getattr(response, "status_code", 0):
            return
        for instance in instances:
            if url.startswith(instance.base_url + "/"):
                instance.answered += 1

    return listener


def session(
    instance: Instance, request_event: EventHook, *, timeout: float = 60
) -> FastHttpSession:
    # No retries, as a FastHttpUser's own: a GET retried after a timeout would be
    # answered twice, and /metrics would count one more request than was sent.
    return FastHttpSession(
        base_url=instance.base_url,
        request_event=request_event,
        user=None,
        network_timeout=timeout,
        connection_timeout=10,
        max_retries=0,
    )


@contextmanager
def running(instances: list[Instance], environment: dict[str, str]) -> Iterator[None]:
    """Serve the example project on every instance for the duration of the block."""
    command = [
        *GUNICORN,
        "--workers",
        str(WORKERS_PER_INSTANCE),
        # As behind a proxy that keeps its upstream connections (nginx: 75 s).
        # gunicorn's default of 2 s races a client that reuses its connection
        # just as the server closes it: that POST fails with "connection closed".
        "--keep-alive",
        str(KEEP_ALIVE_SECONDS),
    ]
    with ExitStack() as stack:
        for instance in instances:
            env = {**environment, "PROMETHEUS_MULTIPROC_DIR": str(instance.metrics_dir)}
            server = serving(
                command, environment=env, log_path=instance.log_path, port=instance.port
            )
            instance.process = stack.enter_context(server).process
            # serving() waited for one answer of /healthz, which /metrics counts.
            instance.answered += 1
        yield


# --- Bursts ---------------------------------------------------------------------------


class Phase:
    """Requests sent from here, into the level's locust statistics, half to each instance."""

    def __init__(self, environment: Environment, instances: list[Instance]) -> None:
        self.environment = environment
        self.instances = instances

    def session(self, index: int) -> FastHttpSession:
        return session(self.instances[index % len(self.instances)], self.environment.events.request)

    def together(self, count: int, work: Callable[[int], Any]) -> list[Any]:
        """``work(0..count-1)`` in greenlets that start at once; their results."""
        gate = gevent.event.Event()

        def run(index: int) -> Any:
            gate.wait()
            return work(index)

        greenlets = [gevent.spawn(run, index) for index in range(count)]
        gevent.sleep(0)
        gate.set()
        gevent.joinall(greenlets)
        for index, greenlet in enumerate(greenlets):
            if greenlet.exception is not None:
                self.harness_failure(f"client {index}: {greenlet.exception!r}")
        return [greenlet.value for greenlet in greenlets]

    def harness_failure(self, message: str, *, name: str = "harness", method: str = "RUN") -> None:
        """A failure of the run itself, or of several answers together, reported to locust."""
        self.environment.events.request.fire(
            request_type=method,
            name=name,
            response_time=0,
            response_length=0,
            exception=RuntimeError(message),
        )

    def burst(
        self,
        count: int,
        method: str,
        path: str,
        *,
        name: str,
        token: Callable[[int], str],
        judge: Callable[[int, FastResponse, dict[int, FastResponse]], str | None],
        json_body: Callable[[int], Any] = lambda index: None,
        headers: dict[str, str] | None = None,
    ) -> dict[int, FastResponse]:
        """``count`` requests at once, each judged (``judge(index, answer, answers)``) only
        when all of them are answered, so a check can weigh every answer together."""
        answers: dict[int, FastResponse] = {}
        all_in = gevent.event.Event()
        sessions = [self.session(index) for index in range(count)]

        def work(index: int) -> None:
            sent = {"Authorization": f"Token {token(index)}", **(headers or {})}
            with sessions[index].request(
                method, path, name=name, headers=sent, json=json_body(index), catch_response=True
            ) as response:
                answers[index] = response
                if len(answers) == count:
                    all_in.set()
                all_in.wait(timeout=120)
                try:
                    problem = judge(index, response, answers)
                except Exception as error:
                    problem = f"unexpected body ({error!r}): {(response.text or '')[:300]}"
                if problem:
                    response.failure(problem[:600])
                else:
                    response.success()

        self.together(count, work)
        return answers


def status_of(response: FastResponse) -> str:
    return f"{response.status_code} {(response.text or '')[:200]}"


@dataclass
class Bursts:
    """The correctness bursts of one level; ``pairs`` are the level's pairs."""

    phase: Phase
    pairs: list[Pair]
    level: int
    # 0 for the first level of the run, 1 for the next one...
    ordinal: int
    burst_relation_ids: list[int] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.pairs)

    def run(self) -> None:
        for name, step in (
            ("listing: MISS, HIT, walk, MISS after a write", self.listing),
            ("listing across instances", self.across_instances),
            ("relations: burst accounts", self.burst_accounts),
            ("relations: batch accept, same ids", self.accept_burst),
            ("lessons: one slot, same tutor / same student", self.lesson_bursts),
            ("relations: batch archive, one key", self.archive_burst),
        ):
            started = time.monotonic()
            step()
            print(f"  {name:<46} {time.monotonic() - started:5.1f} s", flush=True)

    # The listing, with nothing else written meanwhile.

    def listing(self) -> None:
        phase = self.phase

        def write(index: int, version: str) -> bool:
            pair = self.pairs[index]
            headline = RUN.headline(pair.index, version)
            response = call(
                phase.session(index),
                "PATCH",
                "/api/me/profile/",
                name="/api/me/profile/",
                token=pair.tutor.token,
                json={"headline": headline},
                check=lambda r: (
                    None
                    if r.json()["headline"] == headline and r.json()["is_published"]
                    else f"{r.text[:300]}, expected the published headline {headline!r}"
                ),
            )
            if response is not None:
                # As answered: the pair's profile may have been left mid-write by a user
                # that was killed (see run_level).
                pair.profile = response.json()
            return response is not None

        # Every entry of the cache predates these writes: the filters below are new.
        phase.together(self.count, lambda index: write(index, f"level {self.level}"))
        expected_walk = [
            pair.tutor.user_id
            for pair in sorted(RUN.pairs, key=lambda pair: -pair.index)
            if pair.profile
        ]

        def miss_hit_walk(index: int) -> None:
            pair = self.pairs[index]
            client = phase.session(index)
            filters = RUN.cached_filters(pair.index)
            first = call(
                client,
                "GET",
                "/api/marketplace/tutors/",
                name="/api/marketplace/tutors/ (quiet)",
                token=pair.student.token,
                params=filters,
                by_cache=True,
                check=lambda r: (
                    None
                    if r.headers.get("X-Cache") == "MISS"
                    and r.json()["results"] == [RUN.listed(pair)]
                    else f"first: {r.headers.get('X-Cache')} {r.text[:300]}, expected a MISS with "
                    f"{[RUN.listed(pair)]}"
                ),
            )
            if first is None:
                return
            call(
                phase.session(index + 1),
                "GET",
                "/api/marketplace/tutors/",
                name="/api/marketplace/tutors/ (quiet)",
                token=pair.student.token,
                params=filters,
                by_cache=True,
                check=lambda r: (
                    None
                    if r.headers.get("X-Cache") == "HIT" and r.content == first.content
                    else f"again: {r.headers.get('X-Cache')} {r.text[:300]}, expected a HIT with "
                    f"{first.text[:300]}"
                ),
            )
            rows = scenario.pages(
                [client, phase.session(index + 1)],
                "/api/marketplace/tutors/",
                {
                    "subject": RUN.subject,
                    "ordering": "-hourly_rate",
                    "page_size": scenario.LISTING_PAGE_SIZE,
                },
                name="/api/marketplace/tutors/ (walk)",
                token=pair.student.token,
                by_cache=True,
            )
            if rows is not None and [row["user"] for row in rows] != expected_walk:
                phase.harness_failure(
                    f"walk of client {index}: {[row['user'] for row in rows]}, "
                    f"expected {expected_walk}",
                    name="/api/marketplace/tutors/ (walk) [all pages]",
                    method="GET",
                )

        phase.together(self.count, miss_hit_walk)

        def write_then_miss(index: int) -> None:
            pair = self.pairs[index]
            if not write(index, f"level {self.level}, updated"):
                return
            call(
                phase.session(index + 1),
                "GET",
                "/api/marketplace/tutors/",
                name="/api/marketplace/tutors/ (quiet)",
                token=pair.student.token,
                params=RUN.cached_filters(pair.index),
                by_cache=True,
                check=lambda r: (
                    None
                    if r.headers.get("X-Cache") == "MISS"
                    and r.json()["results"] == [RUN.listed(pair)]
                    else f"after the write: {r.headers.get('X-Cache')} {r.text[:300]}, expected a "
                    f"MISS with {[RUN.listed(pair)]}"
                ),
            )

        phase.together(self.count, write_then_miss)

    def across_instances(self) -> None:
        """Cached through one instance, written through the other: the first one misses."""
        for writer, reader in ((0, 1), (1, 0)):
            self.write_via_read_via(writer, reader)

    def write_via_read_via(self, writer: int, reader: int) -> None:
        pair = self.pairs[0]
        phase = self.phase
        via_writer, via_reader = phase.session(writer), phase.session(reader)
        writer_name, reader_name = phase.instances[writer].name, phase.instances[reader].name
        # A key of this direction's own, by a cached page size that no other step uses
        # (the quiet steps read page size 10 of the same filters and leave it cached).
        filters = RUN.cached_filters(pair.index, page_size=(50, 100)[writer])

        def read(expect: str, same_as: FastResponse | None = None) -> FastResponse | None:
            return call(
                via_reader,
                "GET",
                "/api/marketplace/tutors/",
                name=f"/api/marketplace/tutors/ (read via {reader_name}, write via {writer_name})",
                token=pair.student.token,
                params=filters,
                by_cache=True,
                check=lambda r: (
                    None
                    if r.headers.get("X-Cache") == expect
                    and r.json()["results"] == [RUN.listed(pair)]
                    and (same_as is None or r.content == same_as.content)
                    else f"{r.headers.get('X-Cache')} {r.text[:300]}, expected {expect} with "
                    f"{[RUN.listed(pair)]}"
                ),
            )

        first = read("MISS")
        if first is None or read("HIT", first) is None:
            return
        headline = RUN.headline(pair.index, f"level {self.level}, written via {writer_name}")
        expected = {**pair.profile, "headline": headline}
        written = call(
            via_writer,
            "PATCH",
            "/api/me/profile/",
            name=f"/api/me/profile/ (write via {writer_name})",
            token=pair.tutor.token,
            json={"headline": headline},
            check=scenario.equals(expected),
        )
        if written is None:
            return
        pair.profile = expected
        after = read("MISS")
        if after is None or read("HIT", after) is None:
            return
        print(
            f"    listing cached via {reader_name} (HIT), profile written via {writer_name}: "
            f"{reader_name} answered MISS with the new headline, then HIT",
            flush=True,
        )

    # Relations and lessons.

    def burst_accounts(self) -> None:
        """A burst tutor and student; each pair's student asks the burst tutor, the burst
        student asks each pair's tutor, who accepts in a batch (its key replayed)."""
        phase = self.phase
        client = phase.session(0)
        self.tutor = scenario.register(client, "bt", "Load test burst tutor", "Europe/Kyiv")
        self.student = scenario.register(client, "bs", "Load test burst student", "Asia/Tokyo")
        if self.tutor is None or self.student is None:
            raise LoadTestError("registering the burst accounts failed")
        # Listed before anyone asks (students may ask only listed tutors), but under a
        # subject of its own and below every pair's rate, without a pair's ``q`` token:
        # no listing check of the run (by the run's subject, rates, ``q``) shows it.
        listed = {
            "headline": "Load test burst tutor",
            "is_published": True,
            "settings": {"hourly_rate": "10.00", "subjects": [f"{RUN.subject}-burst"]},
        }
        published = call(
            client,
            "PATCH",
            "/api/me/profile/",
            name="/api/me/profile/ (burst tutor)",
            token=self.tutor.token,
            json=listed,
            check=lambda r: (
                None
                if r.json()["is_published"] and r.json()["settings"]["hourly_rate"] == "10.00"
                else f"burst tutor's profile: {r.text[:300]}"
            ),
        )
        if published is None:
            raise LoadTestError("publishing the burst tutor's profile failed")

        def ask(index: int) -> tuple[int, int]:
            pair = self.pairs[index]
            client = phase.session(index)
            to_burst_tutor = scenario.ask(client, pair.student, self.tutor)
            from_burst_student = scenario.ask(
                client, self.student, pair.tutor, key=f"{RUN.run_id}-{self.level}-bs-{index}"
            )
            if from_burst_student:
                pair.partners.add(self.student.user_id)
                pair.transition(from_burst_student, "pending")
            return to_burst_tutor, from_burst_student

        asked = phase.together(self.count, ask)
        extra = scenario.ask(client, self.student, self.tutor)
        ids = [to for to, _from in asked if to] + ([extra] if extra else [])
        if len(ids) != self.count + 1 or not all(from_ for _to, from_ in asked):
            raise LoadTestError("asking for relations failed; see the failures below")
        self.burst_relation_ids = sorted(ids)

        def accept(index: int) -> None:
            pair = self.pairs[index]
            relation_id = asked[index][1]
            key = f"{RUN.run_id}-{self.level}-accept-{index}"
            expected = {"processed": [relation_id], "failed": []}
            if scenario.batch(
                phase.session(index),
                "accept",
                pair.tutor,
                [relation_id],
                expected,
                key=key,
                replayed=False,
            ):
                pair.transition(relation_id, "active")
                scenario.batch(
                    phase.session(index + 1),
                    "accept",
                    pair.tutor,
                    [relation_id],
                    expected,
                    key=key,
                    replayed=True,
                    name="/api/tutor/relations/batch/accept/ [replay]",
                )

        phase.together(self.count, accept)

    def accept_burst(self) -> None:
        ids = self.burst_relation_ids

        def judge(index: int, response: FastResponse, answers: dict[int, FastResponse]) -> str:
            if response.status_code != 200:
                return status_of(response)
            body = response.json()
            reported = body["processed"] + [failure["id"] for failure in body["failed"]]
            errors = {failure["error"] for failure in body["failed"]}
            if sorted(reported) != ids or not errors <= {"already active"}:
                return f"not each id once as processed or already active: {str(body)[:300]}"
            processed = Counter(
                pk
                for answer in answers.values()
                if answer.status_code == 200
                for pk in answer.json()["processed"]
            )
            twice = sorted(pk for pk in body["processed"] if processed[pk] > 1)
            never = sorted(set(ids) - set(processed))
            if twice:
                return f"ids processed by more than one answer: {twice}"
            if never and index == 0:
                return f"ids no answer processed: {never}"
            return None

        self.phase.burst(
            self.count,
            "POST",
            "/api/tutor/relations/batch/accept/",
            name="/api/tutor/relations/batch/accept/ [burst: same ids]",
            token=lambda index: self.tutor.token,
            json_body=lambda index: {"ids": random.Random(index).sample(ids, len(ids))},
            judge=judge,
        )

        def timelines(index: int) -> None:
            client = self.phase.session(index)
            for pk in ids[index :: self.count]:
                call(
                    client,
                    "GET",
                    f"/api/tutor/relations/{pk}/timeline/",
                    name="/api/tutor/relations/{id}/timeline/",
                    token=self.tutor.token,
                    check=lambda r, pk=pk: (
                        None
                        if transitions(r.json()["results"]) == scenario.CREATED_THEN_ACCEPTED
                        and r.json()["results"][1]["metadata"]["source"] == "batch"
                        else f"timeline of {pk}: {r.text[:300]}"
                    ),
                )

        self.phase.together(self.count, timelines)

    def lesson_bursts(self) -> None:
        # Before the pairs' slots, and each level its own: a pair's tutor wins one of them.
        start = RUN.first_slot - timedelta(hours=24 + 6 * self.ordinal)
        for label, token, offset in (
            ("same tutor", lambda index: self.tutor.token, 0),
            ("same student", lambda index: self.pairs[index].tutor.token, 2),
        ):
            slot_start = start + timedelta(hours=offset)
            payload = {
                "student": self.student.user_id,
                "start": utc_z(slot_start),
                "end": utc_z(slot_start + timedelta(hours=1)),
            }

            def judge(index: int, response: FastResponse, answers: dict[int, FastResponse]):
                created = sum(answer.status_code == 201 for answer in answers.values())
                if response.status_code not in (201, 409):
                    return status_of(response)
                if created != 1:
                    return f"{created} answers of {len(answers)} created a lesson, expected one"
                if response.status_code == 409:
                    code = response.json()["errors"][0]["code"]
                    return None if code == "time_conflict" else f"409 {code}, not time_conflict"
                return None

            self.phase.burst(
                self.count,
                "POST",
                "/api/lessons/",
                name=f"/api/lessons/ [burst: one slot, {label}]",
                token=token,
                json_body=lambda index, payload=payload: payload,
                judge=judge,
            )

    def archive_burst(self) -> None:
        ids = self.burst_relation_ids
        expected = {"processed": ids, "failed": []}

        def judge(index: int, response: FastResponse, answers: dict[int, FastResponse]):
            if response.status_code != 200:
                return status_of(response)
            if response.json() != expected:
                return f"{response.text[:300]}, expected {expected}"
            acted = [
                number
                for number, answer in answers.items()
                if answer.status_code == 200 and answer.headers.get("Idempotent-Replayed") != "true"
            ]
            if len(acted) != 1 and (index in acted or (not acted and index == 0)):
                return f"{len(acted)} answers of {len(answers)} acted, expected one"
            return None

        self.phase.burst(
            self.count,
            "POST",
            "/api/tutor/relations/batch/archive/",
            name="/api/tutor/relations/batch/archive/ [burst: one key]",
            token=lambda index: self.tutor.token,
            json_body=lambda index: {"ids": ids},
            headers={"Idempotency-Key": f"{RUN.run_id}-{self.level}-archive-burst"},
            judge=judge,
        )


# --- A level --------------------------------------------------------------------------


@dataclass
class Level:
    users: int
    environment: Environment
    seconds: float = 0.0
    answered: dict[str, int] = field(default_factory=dict)

    @property
    def stats(self):
        return self.environment.stats

    def failed(self) -> bool:
        runner = self.environment.runner
        return bool(self.stats.total.num_failures or (runner and runner.exceptions))


def run_level(users: int, duration: float, instances: list[Instance], levels: list[Level]) -> None:
    """Run one level; it is in ``levels`` from the start, so a failed one is reported."""
    environment = Environment(
        user_classes=[TutorAndStudent],
        host=instances[0].base_url,
        stop_timeout=STOP_TIMEOUT_SECONDS,
    )
    environment.events.request.add_listener(count_answers(instances))
    level = Level(users, environment)
    levels.append(level)
    before = {instance.name: instance.answered for instance in instances}
    started = time.monotonic()
    runner = environment.create_local_runner()
    print(f"\n{users} users: sign-up, then {duration:.0f} s of mixed load", flush=True)
    try:
        RUN.started = 0
        runner.start(users, spawn_rate=users)
        # The clock starts once every user has signed up (password hashing: seconds at 30
        # users on 2 cores), so each level has its full duration of the mixed load.
        deadline = time.monotonic() + SIGN_UP_SECONDS
        while RUN.started < users and time.monotonic() < deadline:
            gevent.sleep(0.2)
        print(
            f"  {RUN.started} users signed up after {time.monotonic() - started:4.1f} s",
            flush=True,
        )
        gevent.sleep(duration)
        runner.stop()
        RUN.release_all()
        print(f"  mixed load, stopped after {time.monotonic() - started:5.1f} s", flush=True)
        # A user still in a task after STOP_TIMEOUT_SECONDS (a very busy machine) was
        # killed: its pair is not handed to the next level, but can still join the bursts.
        pairs = [pair for pair in RUN.pairs if pair.usable]
        pairs += [pair for pair in RUN.pairs if pair.complete and not pair.usable]
        pairs = pairs[:users]
        if len(pairs) == users:
            Bursts(Phase(environment, instances), pairs, users, ordinal=len(levels) - 1).run()
        else:
            stuck = {pair.index: pair.step for pair in RUN.pairs if not pair.complete}
            Phase(environment, instances).harness_failure(
                f"only {len(pairs)} of {users} pairs are set up (killed in: {stuck}): "
                "no correctness bursts"
            )
    finally:
        runner.quit()
        level.seconds = time.monotonic() - started
        level.answered = {
            instance.name: instance.answered - before[instance.name] for instance in instances
        }


# --- /metrics -------------------------------------------------------------------------


def requests_total(metrics: Any) -> float:
    return sum(
        sample.value
        for metric in metrics
        if metric.name == "http_requests"
        for sample in metric.samples
        if sample.name == "http_requests_total"
    )


def check_metrics(instance: Instance) -> tuple[bool, str]:
    """``/metrics`` of ``instance`` counts what its two workers answered, and exactly what
    this run asked it."""
    per_worker = {
        path.stem.removeprefix("counter_"): requests_total(
            MultiProcessCollector.merge([str(path)], accumulate=True)
        )
        for path in sorted(instance.metrics_dir.glob("counter_*.db"))
    }
    # The scrape is counted once it has answered: its own request is not in its body.
    answer = session(instance, EventHook()).get("/metrics")
    if answer.status_code != 200:
        return False, f"{instance.name}: /metrics answered {status_of(answer)}"
    scraped = requests_total(text_string_to_metric_families(answer.text))
    sent = instance.answered
    instance.answered += 1
    workers = " + ".join(f"{count:.0f} (pid {pid})" for pid, count in per_worker.items())
    line = (
        f"{instance.name} {instance.base_url}: /metrics http_requests_total {scraped:.0f} = "
        f"workers {workers}; requests this run sent it and got an answer to: {sent}"
    )
    serving = [count for count in per_worker.values() if count]
    good = (
        len(per_worker) == WORKERS_PER_INSTANCE
        and len(serving) == WORKERS_PER_INSTANCE
        and scraped == sum(per_worker.values()) == sent
    )
    return good, line


# --- The report -----------------------------------------------------------------------


def table(level: Level) -> list[str]:
    """The level's per-endpoint statistics from locust, as a Markdown table."""
    entries = sorted(level.stats.entries.values(), key=lambda entry: (entry.name, entry.method))
    rows = [(f"{entry.method} {entry.name}", entry) for entry in entries]
    rows.append(("total", level.stats.total))
    width = max(len(label) for label, _entry in rows)
    columns = ("requests", "failures", "p50 ms", "p95 ms", "max ms")

    def line(cells: list[str]) -> str:
        label, *numbers = cells
        return (
            f"| {label:<{width}} | "
            + " | ".join(
                f"{number:>{len(column)}}" for number, column in zip(numbers, columns, strict=True)
            )
            + " |"
        )

    lines = [line(["endpoint", *columns])]
    lines.append("|" + "|".join("-" * (len(cell) + 2) for cell in ["x" * width, *columns]) + "|")
    for label, entry in rows:
        lines.append(
            line(
                [
                    label,
                    str(entry.num_requests),
                    str(entry.num_failures),
                    f"{entry.get_response_time_percentile(0.5) or 0:.0f}",
                    f"{entry.get_response_time_percentile(0.95) or 0:.0f}",
                    f"{entry.max_response_time or 0:.0f}",
                ]
            )
        )
    return lines


def failures(level: Level) -> list[str]:
    lines = []
    errors = sorted(level.stats.errors.values(), key=lambda error: -error.occurrences)
    for error in errors[:20]:
        lines.append(f"- {error.occurrences} x {error.method} {error.name}: {error.error}")
    if len(errors) > 20:
        lines.append(f"- ... and {len(errors) - 20} other failures (see the CSV)")
    runner = level.environment.runner
    for exception in list(runner.exceptions.values() if runner else [])[:10]:
        lines.append(f"- {exception['count']} x exception: {exception['traceback']}")
    return lines


def write_csvs(level: Level) -> None:
    writer = StatsCSV(level.environment, PERCENTILES_TO_REPORT)
    for suffix, write in (
        ("stats", writer.requests_csv),
        ("failures", writer.failures_csv),
        ("exceptions", writer.exceptions_csv),
    ):
        with (OUT_DIR / f"users{level.users}_{suffix}.csv").open("w", newline="") as file:
            write(csv.writer(file))


# --- Entry point ----------------------------------------------------------------------


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    def levels(text: str) -> list[int]:
        values = [int(value) for value in text.split(",")]
        if not all(1 <= value <= 60 for value in values):
            raise argparse.ArgumentTypeError("each level must be from 1 to 60 users")
        return values

    def ports(text: str) -> list[int]:
        values = [int(value) for value in text.split(",")]
        if len(values) != 2 or len(set(values)) != 2:
            raise argparse.ArgumentTypeError("two different ports, e.g. 8098,8099")
        return values

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", type=levels, default=[10, 30], help="users, e.g. 10,30")
    parser.add_argument(
        "--duration", type=float, default=25, help="seconds of mixed load per level"
    )
    parser.add_argument("--ports", type=ports, default=[8098, 8099], help="instances A,B")
    return parser.parse_args(argv)


def server_environment() -> dict[str, str]:
    environment = dict(os.environ)
    environment.update(THROTTLE_ENVIRONMENT)
    environment.update(
        {
            "DATABASE_URL": os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL),
            "REDIS_URL": os.environ.get("REDIS_URL", DEFAULT_REDIS_URL),
            "DEBUG": "0",
            # gunicorn speaks plain HTTP here; DEBUG off would redirect it all to HTTPS.
            "SECURE_SSL_REDIRECT": "0",
            # One key for both instances, as behind one load balancer: cursors are signed.
            "SECRET_KEY": f"loadtest-{secrets.token_urlsafe(32)}",
            "ALLOWED_HOSTS": HOST,
            "LOG_LEVEL": "WARNING",
        }
    )
    return environment


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    started = time.monotonic()
    # Ctrl+C or SIGTERM (a CI timeout): stop here, whatever greenlet runs; servers stop.
    for number in (signal.SIGINT, signal.SIGTERM):
        gevent.signal_handler(number, gevent.kill, gevent.getcurrent(), KeyboardInterrupt)
    shutil.rmtree(OUT_DIR, ignore_errors=True)
    OUT_DIR.mkdir()
    environment = server_environment()
    levels: list[Level] = []
    problems: list[str] = []
    metrics_lines: list[str] = []
    with tempfile.TemporaryDirectory(prefix="tutor-loadtest-") as work_dir:
        instances = [
            Instance(
                name,
                port,
                log_path=OUT_DIR / f"server-{name.lower()}.log",
                metrics_dir=Path(work_dir) / f"metrics-{name.lower()}",
            )
            for name, port in zip("AB", arguments.ports, strict=True)
        ]
        RUN.hosts = [instance.base_url for instance in instances]
        try:
            for instance in instances:
                if not port_is_free(instance.port):
                    raise LoadTestError(f"{HOST}:{instance.port} is in use; pass other --ports")
                instance.metrics_dir.mkdir()
            ensure_postgres_database(environment["DATABASE_URL"])
            # The marketplace registers Prometheus metrics when its views are imported,
            # which migrate's checks do: in multi-process mode that needs the directory
            # (gunicorn empties it again when it starts).
            subprocess.run(
                [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
                cwd=EXAMPLE_PROJECT,
                env={**environment, "PROMETHEUS_MULTIPROC_DIR": str(instances[0].metrics_dir)},
                check=True,
                timeout=120,
            )
            with running(instances, environment):
                print(
                    f"load test {RUN.run_id}: levels {arguments.levels} users, "
                    f"{arguments.duration:.0f} s each, {WORKERS_PER_INSTANCE} gunicorn workers "
                    f"on each of " + ", ".join(f"{i.name} {i.base_url}" for i in instances),
                    flush=True,
                )
                for users in arguments.levels:
                    run_level(users, arguments.duration, instances, levels)
                for instance in instances:
                    good, line = check_metrics(instance)
                    metrics_lines.append(line)
                    if not good:
                        problems.append(f"/metrics does not add up: {line}")
        except KeyboardInterrupt:
            problems.append("interrupted")
        except (LoadTestError, RuntimeError, subprocess.SubprocessError, OSError) as error:
            problems.append(f"{type(error).__name__}: {error}")

        report = [f"# Load test {RUN.run_id}", ""]
        for level in levels:
            write_csvs(level)
            report += [
                f"## {level.users} users ({level.seconds:.0f} s: mixed load, then bursts)",
                "",
                *table(level),
                "",
                "requests answered by each instance: "
                + ", ".join(f"{name} {count}" for name, count in level.answered.items()),
                "",
            ]
            if level.failed():
                report += ["Failures:", "", *failures(level), ""]
                problems.append(f"{level.users} users: locust failures or exceptions")
        if metrics_lines:
            report += ["## /metrics of each instance", "", *(f"- {m}" for m in metrics_lines), ""]
        for instance in instances:
            errors = server_log_errors(instance.log_path)
            notes = server_log_notes(instance.log_path)
            if notes or errors:
                report += [f"## Server log {instance.name} ({instance.log_path.name})", ""]
                report += [f"- {note}" for note in notes]
            if errors:
                problems.append(f"{len(errors)} error line(s) in the log of {instance.name}")
                report += ["", "Error lines, the first ones:", "", "```", *errors[:10], "```"]
            report.append("")
        elapsed = time.monotonic() - started
        verdict = (
            "load test FAILED: " + "; ".join(problems)
            if problems
            else "load test passed: no failure, no 5xx, no error line in the server logs"
        )
        report += [f"total {elapsed:.0f} s", "", verdict, ""]
        text = "\n".join(report)
        (OUT_DIR / "report.md").write_text(text)
        print()
        print(text)
        print(f"(also in {OUT_DIR.relative_to(REPO_ROOT)}/report.md, with locust's CSVs)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
