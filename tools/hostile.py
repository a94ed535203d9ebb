"""What a hostile client can make the example project do: ``nox -s hostile``.

    python tools/hostile.py [--timeout 150]

The requests of the security review (issue "Hostile clients"), sent over HTTP to the
example project under gunicorn (one worker, one thread, so that the worker's CPU time
between two requests is that request's), each printed with its status, the worker's
CPU time and memory growth, the wall time, the size of the body answered and the ERROR
lines it logged. Run it on two commits to compare them: it needs nothing of the code
under test but the API, ``manage.py`` and the models' names.

It works on its own database, ``<DATABASE_URL's name>_hostile`` (default
``tutor_hostile``), dropped and created anew, and on Redis database 7 of ``REDIS_URL``'s
server (flushed first; ``HOSTILE_REDIS_DATABASE`` picks another); the accounts it uses
are self-registered through the API, as an attacker's would be, plus one superuser made
by ``createsuperuser``.

Each case says what the suite promises (``expect``): a status, no 5xx, a body under
64 KB, no ERROR line. The exit status is 1 when any case breaks its promise; the
figures (CPU, memory, time) are printed, not asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from create_database import own_database_url, recreate_database
from processes import EXAMPLE_PROJECT, GUNICORN, server_log_errors, serving

REDIS_DATABASE = int(os.environ.get("HOSTILE_REDIS_DATABASE", "7"))
BODY_LIMIT = 64 * 1024
PASSWORD = "hostile-pass-8412"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Outcome:
    status: int | str
    cpu_ms: float
    rss_mb: float
    wall_ms: float
    body_bytes: int
    errors: int
    note: str = ""


def noted(note: str) -> Outcome:
    """The outcome of a case that its note judges: no request measured."""
    return Outcome("-", float("nan"), 0.0, 0.0, 0, 0, note=note)


@dataclass
class Case:
    item: str
    name: str
    expect: str  # "4xx", "400", "429", "exit!=0", "same", "0", ...
    run: Callable[[Harness], Outcome]
    # What the note must (not) say, for the cases that a status does not judge.
    note_must: str = ""
    note_must_not: str = ""
    outcome: Outcome | None = None
    problems: list[str] = field(default_factory=list)


class Harness:
    """The server, its worker and log, and the requests' bookkeeping."""

    def __init__(self, base_url: str, pid_file: Path, log_path: Path, environment: dict) -> None:
        self.base_url = base_url
        self.pid_file = pid_file
        self.log_path = log_path
        self.environment = environment
        self.client = httpx.Client(base_url=base_url, timeout=None, trust_env=False)
        self.tokens: dict[str, str] = {}
        self.ids: dict[str, int] = {}
        self.probes: dict[str, str] = {}  # item 5: what each probed id answered

    # --- the worker -------------------------------------------------------------------

    def worker(self) -> int:
        master = int(self.pid_file.read_text())
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        return int(children[0])

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.worker()}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.worker()}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def error_lines(self) -> int:
        return len(server_log_errors(self.log_path))

    # --- requests ---------------------------------------------------------------------

    def send(
        self,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        token: str | None = None,
        headers: dict | None = None,
        timeout: float = 150,
        **kwargs,
    ) -> tuple[httpx.Response | None, Outcome]:
        headers = dict(headers or {})
        if body is not None:
            headers.setdefault("Content-Type", "application/json")
        if token:
            headers["Authorization"] = f"Token {token}"
        errors, cpu, rss = self.error_lines(), self.cpu_seconds(), self.rss_mb()
        started = time.perf_counter()
        try:
            response = self.client.request(
                method, path, content=body, headers=headers, timeout=timeout, **kwargs
            )
        except httpx.HTTPError as error:
            response, status, size = None, type(error).__name__, 0
        else:
            status, size = response.status_code, len(response.content)
        wall = (time.perf_counter() - started) * 1000
        time.sleep(0.3)  # the access line and any traceback reach the log
        try:
            cpu_ms = (self.cpu_seconds() - cpu) * 1000
            rss_mb = self.rss_mb() - rss
        except (OSError, IndexError):  # the worker was killed (its timeout) and replaced
            cpu_ms, rss_mb = float("nan"), float("nan")
        return response, Outcome(status, cpu_ms, rss_mb, wall, size, self.error_lines() - errors)

    def json(
        self, method: str, path: str, payload, **kwargs
    ) -> tuple[httpx.Response | None, Outcome]:
        body = json.dumps(payload, separators=(",", ":")).encode()
        return self.send(method, path, body=body, **kwargs)

    def register(self, username: str) -> str:
        response = self.client.post(
            "/api/auth/register/",
            json={
                "username": username,
                "password": PASSWORD,
                "display_name": username.title(),
                "timezone": "Europe/Kyiv",
            },
        )
        if response.status_code != 201:
            raise RuntimeError(
                f"cannot register {username}: {response.status_code} {response.text}"
            )
        return self.login(username)

    def login(self, username: str, password: str = PASSWORD) -> str:
        response = self.client.post(
            "/api/auth/token/", json={"username": username, "password": password}
        )
        if response.status_code != 200:
            raise RuntimeError(
                f"cannot log in as {username}: {response.status_code} {response.text}"
            )
        return response.json()["token"]

    def me(self, token: str) -> dict:
        return self.client.get("/api/auth/me/", headers={"Authorization": f"Token {token}"}).json()

    def manage(
        self, *arguments: str, environment: dict | None = None
    ) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *arguments],
            cwd=EXAMPLE_PROJECT,
            env={**self.environment, **(environment or {})},
            capture_output=True,
            text=True,
        )

    def orm(self, code: str) -> str:
        """The last line that ``code``, run in ``manage.py shell``, printed."""
        done = self.manage("shell", "-c", code)
        if done.returncode != 0:
            raise RuntimeError(f"manage.py shell failed: {done.stderr[-2000:]}")
        return done.stdout.strip().splitlines()[-1]

    def redis(self):
        import redis

        return redis.Redis.from_url(self.environment["REDIS_URL"])


def publish_profile(h: Harness, token: str, headline: str) -> None:
    profile = {
        "headline": headline,
        "description": "Algebra and geometry.",
        "is_published": True,
        "settings": {"hourly_rate": "40.00", "currency": "UAH", "subjects": ["math"]},
    }
    response = h.client.patch(
        "/api/me/profile/", json=profile, headers={"Authorization": f"Token {token}"}
    )
    if response.status_code != 200:
        raise RuntimeError(f"cannot publish a profile: {response.status_code} {response.text}")


# --- The cases ------------------------------------------------------------------------


def subjects_of_nulls(count: int) -> Callable[[Harness], Outcome]:
    def run(h: Harness) -> Outcome:
        body = {"settings": {"subjects": [None] * count}}
        return h.json("PATCH", "/api/me/profile/", body, token=h.tokens["mallory"])[1]

    return run


def invalid_slots(h: Harness) -> Outcome:
    slots = [{"weekday": 9, "start": "25:00", "end": "x"}] * 50_000  # 2 MB
    return h.json("PUT", "/api/me/profile/availability/", slots, token=h.tokens["mallory"])[1]


def deep_draft(h: Harness) -> Outcome:
    levels = 1_200
    body = ('{"x":' * levels + "1" + "}" * levels).encode()
    return h.send("PUT", "/api/me/profile/autosave/", body=body, token=h.tokens["mallory"])[1]


def admin_login_guessing(h: Harness) -> Outcome:
    """40 wrong passwords for the superuser, then the right one: logged in?

    The cookies are carried by hand: without DEBUG they are ``Secure``, and this is HTTP.
    """
    client = httpx.Client(base_url=h.base_url, timeout=30, trust_env=False)
    page = client.get("/admin/login/")
    if page.status_code != 200:
        raise RuntimeError(f"GET /admin/login/: {page.status_code}")
    cookie = page.headers["set-cookie"].split(";", 1)[0]  # csrftoken=...
    form_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]

    def attempt(password: str) -> httpx.Response:
        return client.post(
            "/admin/login/?next=/admin/",
            data={"username": "root", "password": password, "csrfmiddlewaretoken": form_token},
            headers={"Referer": f"{h.base_url}/admin/login/", "Cookie": cookie},
        )

    cpu, errors = h.cpu_seconds(), h.error_lines()
    statuses = [attempt(f"wrong-{number}").status_code for number in range(40)]
    # The figures are the last try's (the one with the right password); the note has all.
    last_cpu, started = h.cpu_seconds(), time.perf_counter()
    right = attempt(ROOT_PASSWORD)
    wall = (time.perf_counter() - started) * 1000
    time.sleep(0.3)
    logged_in = right.status_code == 302 and right.headers.get("location") == "/admin/"
    first_refused = next((n for n, s in enumerate(statuses, 1) if s == 429), None)
    refused = f"first 429 at try {first_refused}" if first_refused else "no try refused"
    return Outcome(
        "logged in" if logged_in else right.status_code,
        (h.cpu_seconds() - last_cpu) * 1000,
        0.0,
        wall,
        len(right.content),
        h.error_lines() - errors,
        note=f"{refused}; 41 tries took {(h.cpu_seconds() - cpu) * 1000:.0f} ms of CPU",
    )


def seed_demo_without_debug(h: Harness) -> Outcome:
    started = time.perf_counter()
    done = h.manage("seed_demo", environment={"DEBUG": "0"})
    wall = (time.perf_counter() - started) * 1000
    made = h.orm(
        "from accounts.models import User; print(User.objects.filter(username='admin').exists())"
    )
    return Outcome(
        f"exit {done.returncode}",
        float("nan"),
        0.0,
        wall,
        0,
        0,
        note=f"superuser admin exists afterwards: {made}",
    )


def seed_demo_over_existing(h: Harness) -> Outcome:
    """An ``olena`` who is not the demo's: does seeding (forced) change her password?"""
    started = time.perf_counter()
    done = h.manage("seed_demo", "--force-demo-data", environment={"DEBUG": "1"})
    if "--force-demo-data" in done.stderr:  # a seed_demo without the flag
        done = h.manage("seed_demo", environment={"DEBUG": "1"})
    wall = (time.perf_counter() - started) * 1000
    try:
        h.login("olena")
        kept = "olena's password kept"
    except RuntimeError:
        kept = "olena's password CHANGED"
    return Outcome(f"exit {done.returncode}", float("nan"), 0.0, wall, 0, 0, note=kept)


def relation_to_superuser(h: Harness) -> Outcome:
    response, outcome = h.json(
        "POST", "/api/student/relations/", {"tutor": h.ids["root"]}, token=h.tokens["mallory"]
    )
    if response is not None and response.status_code < 300:
        outcome.note = f"display_name {response.json().get('tutor', {}).get('display_name')!r}"
    return outcome


def relation_probe(target: str) -> Callable[[Harness], Outcome]:
    """The answer for an unknown, an inactive and an ineligible id: the same?"""

    def run(h: Harness) -> Outcome:
        response, outcome = h.json(
            "POST", "/api/student/relations/", {"tutor": h.ids[target]}, token=h.tokens["eve"]
        )
        if response is not None:
            h.probes[target] = response.text
            outcome.note = response.text[:90]
            if len(set(h.probes.values())) > 1:
                outcome.note = "answers differ: " + outcome.note
        return outcome

    return run


def marketplace_keys(h: Harness) -> int:
    return sum(1 for _ in h.redis().scan_iter("marketplace:*"))


def listing_flood(h: Harness) -> Outcome:
    """60 listings a database answers alike (rate spellings, q, page sizes): keys made."""
    before = marketplace_keys(h)
    spellings = [f"min_rate={r}" for r in ("10", "10.0", "10.00", "10.000", "1e1", "10.000001")]
    queries = [f"q=word{n}" for n in range(40)] + spellings
    queries += [f"page_size={n}" for n in range(20, 34)]
    cpu, errors, started, size = h.cpu_seconds(), h.error_lines(), time.perf_counter(), 0
    statuses = set()
    for query in queries:
        response = h.client.get(
            f"/api/marketplace/tutors/?{query}",
            headers={"Authorization": f"Token {h.tokens['mallory']}"},
        )
        statuses.add(response.status_code)
        size += len(response.content)
    wall = (time.perf_counter() - started) * 1000
    return Outcome(
        "/".join(map(str, sorted(statuses))),
        (h.cpu_seconds() - cpu) * 1000,
        0.0,
        wall,
        size // len(queries),
        h.error_lines() - errors,
        note=f"{len(queries)} requests made {marketplace_keys(h) - before} Redis keys",
    )


def keys_index_ttl(h: Harness) -> Outcome:
    client = h.redis()
    index = client.type("marketplace:keys").decode()
    size = client.scard("marketplace:keys") if index == "set" else 0
    return noted(f"marketplace:keys is {index}, {size} names, ttl {client.ttl('marketplace:keys')}")


def generation(h: Harness) -> int:
    return int(h.redis().get("marketplace:generation") or 0)


def unpublished_availability(h: Harness) -> Outcome:
    before = generation(h)
    slots = [{"weekday": 1, "start": "09:00", "end": "10:00"}]
    outcome = h.json("PUT", "/api/me/profile/availability/", slots, token=h.tokens["eve"])[1]
    outcome.note = f"generation +{generation(h) - before}"
    return outcome


def deactivated_tutor_listed(h: Harness) -> Outcome:
    h.send("GET", "/api/marketplace/tutors/?page_size=100", token=h.tokens["mallory"])
    h.orm(
        "from accounts.models import User; u = User.objects.get(username='trudy'); "
        "u.is_active = False; u.save(); print(u.pk)"
    )
    response, outcome = h.send(
        "GET", "/api/marketplace/tutors/?page_size=100", token=h.tokens["mallory"]
    )
    listed = [row["display_name"] for row in response.json()["results"]] if response else []
    outcome.note = (
        f"deactivated tutor listed: {'Trudy' in listed} (X-Cache {response.headers.get('X-Cache')})"
    )
    return outcome


def metrics_rows(h: Harness) -> Outcome:
    count = "from tutor_marketplace.models import MarketplaceMetrics as M; print(M.objects.count())"
    before = int(h.orm(count))
    for _ in range(50):
        h.send("GET", "/api/marketplace/tutors/?subject=math", token=h.tokens["mallory"])
    # Rows may be written per sample or summed per minute, flushed every
    # METRICS_FLUSH_INTERVAL (2 s): wait until this minute is over and flushed.
    time.sleep(60 - datetime.now(UTC).second + 4)
    return noted(f"50 listings wrote {int(h.orm(count)) - before} metrics rows")


def orphan_subjects(h: Harness) -> Outcome:
    count = (
        "from tutor_marketplace.models import Subject, TutorProfile as P; "
        "used = P.subjects.through.objects.values('subject_id'); "
        "print(Subject.objects.exclude(pk__in=used).count())"
    )
    for round_ in range(5):
        names = [f"made-up-{round_}-{n}" for n in range(20)]
        h.client.patch(
            "/api/me/profile/",
            json={"settings": {"subjects": names}},
            headers={"Authorization": f"Token {h.tokens['mallory']}"},
        )
    return noted(f"5 PATCHes of 20 new subjects left {h.orm(count)} unused subjects")


def schema_requests(h: Harness) -> Outcome:
    h.client.get("/api/schema/")
    outcome = h.send("GET", "/api/schema/")[1]
    statuses = [h.client.get("/api/schema/").status_code for _ in range(40)]
    first = next((n for n, s in enumerate(statuses, 3) if s == 429), None)
    outcome.note = f"first 429 at request {first}" if first else "42 requests, none refused"
    return outcome


def audit_log_after_delete(h: Harness) -> Outcome:
    count = "from tutor_relations.models import RelationStatusLog as L; print(L.objects.count())"
    before = int(h.orm(count))
    h.orm(
        "from accounts.models import User; "
        "User.objects.filter(username='walter').delete(); print(1)"
    )
    return noted(f"log rows {before} -> {h.orm(count)} after deleting a student")


def integer_series_id(h: Harness) -> Outcome:
    day = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    body = {
        "student": h.ids["walter2"],
        "start": f"{day}T10:00:00Z",
        "end": f"{day}T11:00:00Z",
        "series_id": 5,
    }
    response, outcome = h.json("POST", "/api/lessons/", body, token=h.tokens["trent"])
    if response is not None:
        outcome.note = response.text[:90]
    return outcome


def long_password(path: str) -> Callable[[Harness], Outcome]:
    def run(h: Harness) -> Outcome:
        password = "p" * 2_400_000
        payload = {
            "username": f"long{secrets.token_hex(3)}",
            "password": password,
            "display_name": "Long",
            "timezone": "UTC",
        }
        return h.json("POST", path, payload)[1]

    return run


CASES = [
    Case("1", "PATCH profile, 100,000 null subjects (600 KB)", "400", subjects_of_nulls(100_000)),
    Case("1", "PATCH profile, 400,000 null subjects (2.4 MB)", "400", subjects_of_nulls(400_000)),
    Case("1", "PUT availability, 50,000 invalid slots (2 MB)", "400", invalid_slots),
    Case("2", "PUT autosave, 1,200 levels deep", "400", deep_draft),
    Case("3", "admin login: 40 wrong passwords, then the right one", "429", admin_login_guessing),
    Case("4", "seed_demo with DEBUG off", "exit!=0", seed_demo_without_debug),
    Case("4", "seed_demo over an existing olena", "kept", seed_demo_over_existing),
    Case("5", "student relation to the superuser's id", "400", relation_to_superuser),
    Case(
        "5",
        "student relation to an unknown id",
        "400",
        relation_probe("unknown"),
        note_must_not="answers differ",
    ),
    Case(
        "5",
        "student relation to an inactive user",
        "400",
        relation_probe("inactive"),
        note_must_not="answers differ",
    ),
    Case(
        "5",
        "student relation to a user with no profile",
        "400",
        relation_probe("ineligible"),
        note_must_not="answers differ",
    ),
    Case(
        "6",
        "60 listings: 40 q, 6 spellings of min_rate 10, 14 page sizes",
        "2xx",
        listing_flood,
        note_must=r"made [0-9] Redis keys",
    ),
    Case("6", "the key index", "-", keys_index_ttl, note_must_not=r"set, [1-9]"),
    Case(
        "7",
        "PUT availability, unpublished profile",
        "200",
        unpublished_availability,
        note_must=r"\+0",
    ),
    Case(
        "7",
        "a deactivated tutor in the listing",
        "200",
        deactivated_tutor_listed,
        note_must="listed: False",
    ),
    # Fewer rows than requests: bounded by time (rows per minute), not by what clients send.
    Case("8", "metrics rows per listing", "-", metrics_rows, note_must=r"wrote [1-4]?[0-9] "),
    Case("8", "subjects no profile uses", "-", orphan_subjects, note_must=r" 0 unused"),
    Case(
        "9",
        "GET /api/schema/ (a second time), then 40 more",
        "200",
        schema_requests,
        note_must="first 429",
    ),
    Case(
        "10",
        "audit log when a student is deleted",
        "-",
        audit_log_after_delete,
        note_must=r"rows (\d+) -> \1 ",
    ),
    Case("11", "POST lesson with series_id 5 (an integer)", "400", integer_series_id),
    Case("11", "register with a 2.4 MB password", "400", long_password("/api/auth/register/")),
    Case("11", "token with a 2.4 MB password", "400", long_password("/api/auth/token/")),
]


def judge(case: Case) -> None:
    outcome = case.outcome
    assert outcome is not None
    status = str(outcome.status)
    if status.isdigit() and int(status) >= 500:
        case.problems.append(f"answered {status}")
    if (
        not status.isdigit()
        and status not in {"-", "logged in"}
        and not status.startswith(("exit", "2", "4"))
    ):
        case.problems.append(f"no answer: {status}")
    if case.expect.isdigit() and status != case.expect:
        case.problems.append(f"expected {case.expect}")
    if case.expect == "exit!=0" and status == "exit 0":
        case.problems.append("ran")
    if case.expect == "kept" and "CHANGED" in outcome.note:
        case.problems.append("changed an account it did not create")
    if outcome.body_bytes > BODY_LIMIT and case.expect != "2xx" and case.item != "9":
        case.problems.append(f"body {outcome.body_bytes} B > 64 KB")
    if outcome.errors:
        case.problems.append(f"{outcome.errors} ERROR lines")
    if case.note_must and not re.search(case.note_must, outcome.note):
        case.problems.append(f"note lacks {case.note_must!r}")
    if case.note_must_not and re.search(case.note_must_not, outcome.note):
        case.problems.append(f"note says {case.note_must_not!r}")
    if outcome.cpu_ms > 1000:
        case.problems.append("over a second of CPU")


def prepare(h: Harness) -> None:
    """The attacker's accounts and the people around them."""
    for name in ("mallory", "eve", "trudy", "trent", "walter", "walter2", "inactive", "ineligible"):
        h.tokens[name] = h.register(name)
        h.ids[name] = h.me(h.tokens[name])["id"]
    for name in ("trudy", "trent"):
        publish_profile(h, h.tokens[name], f"{name.title()} teaches")
    # eve has a profile she has not published (item 7).
    h.client.patch(
        "/api/me/profile/",
        json={"headline": "Not yet", "is_published": False},
        headers={"Authorization": f"Token {h.tokens['eve']}"},
    )
    publish_profile(h, h.tokens["inactive"], "Inactive teaches")
    h.orm(
        "from accounts.models import User; User.objects.filter(username='inactive')"
        ".update(is_active=False); print(1)"
    )
    done = h.manage(
        "createsuperuser",
        "--noinput",
        "--username",
        "root",
        "--email",
        "r@x.test",
        environment={"DJANGO_SUPERUSER_PASSWORD": ROOT_PASSWORD},
    )
    if done.returncode != 0:
        raise RuntimeError(f"createsuperuser failed: {done.stderr[-1500:]}")
    h.ids["root"] = int(
        h.orm("from accounts.models import User; print(User.objects.get(username='root').pk)")
    )
    h.ids["unknown"] = 987_654_321
    # walter and walter2: trent's students (a relation with a log), for items 10 and 11.
    for student in ("walter", "walter2"):
        made = h.client.post(
            "/api/student/relations/",
            json={"tutor": h.ids["trent"]},
            headers={"Authorization": f"Token {h.tokens[student]}"},
        )
        if made.status_code != 201:
            raise RuntimeError(f"{student} cannot ask trent: {made.status_code} {made.text}")
        accepted = h.client.post(
            "/api/tutor/relations/batch/accept/",
            json={"ids": [made.json()["id"]]},
            headers={"Authorization": f"Token {h.tokens['trent']}"},
        )
        if accepted.status_code != 200:
            raise RuntimeError(f"trent cannot accept: {accepted.status_code} {accepted.text}")
    # An "olena" of the host's own, before anyone seeds the demo.
    h.client.post(
        "/api/auth/register/",
        json={
            "username": "olena",
            "password": PASSWORD,
            "display_name": "Not the demo's",
            "timezone": "UTC",
        },
    )


ROOT_PASSWORD = "root-" + secrets.token_hex(8)


def table(cases: list[Case]) -> str:
    lines = [
        "| item | request | status | CPU ms | +RSS MB | wall ms | body B | ERROR | note "
        "| verdict |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for case in cases:
        o = case.outcome
        if o is None:
            continue
        cpu = "-" if o.cpu_ms != o.cpu_ms else f"{o.cpu_ms:.0f}"
        rss = "-" if o.rss_mb != o.rss_mb or not o.rss_mb else f"{o.rss_mb:+.0f}"
        wall = f"{o.wall_ms:.0f}" if o.wall_ms else "-"
        body = f"{o.body_bytes:,}" if o.body_bytes else "-"
        verdict = "; ".join(case.problems) or "ok"
        lines.append(
            f"| {case.item} | {case.name} | {o.status} | {cpu} | {rss} | {wall} | {body} "
            f"| {o.errors} | {o.note} | {verdict} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--timeout", type=int, default=150, help="gunicorn's worker timeout")
    parser.add_argument("--only", default="", help="run the cases whose item is in this list")
    arguments = parser.parse_args()
    database_url = own_database_url(os.environ.get("DATABASE_URL", ""), "_hostile")
    redis_server = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0]
    workdir = Path(tempfile.mkdtemp(prefix="hostile-"))
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": f"{redis_server}/{REDIS_DATABASE}",
        "DEBUG": "0",
        "SECRET_KEY": f"hostile-{secrets.token_urlsafe(32)}",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "INFO",
        "THROTTLE_PROFILE": "production",
        # The attacker registers a few accounts from one address.
        "AUTH_REGISTER_THROTTLE_RATE": "1000/min",
        "AUTH_TOKEN_THROTTLE_RATE": "1000/min",
        "PROMETHEUS_MULTIPROC_DIR": str(workdir / "metrics"),
    }
    (workdir / "metrics").mkdir()
    recreate_database(database_url)
    import redis

    redis.Redis.from_url(environment["REDIS_URL"]).flushdb()
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=EXAMPLE_PROJECT,
        env=environment,
        capture_output=True,
        text=True,
    )
    if migrate.returncode != 0:
        print(migrate.stderr, file=sys.stderr)
        return 1
    pid_file, log_path = workdir / "gunicorn.pid", workdir / "server.log"
    command = [
        *GUNICORN,
        "--workers",
        "1",
        "--threads",
        "1",
        "--timeout",
        str(arguments.timeout),
        "--pid",
        str(pid_file),
    ]
    chosen = [c for c in CASES if not arguments.only or c.item in arguments.only.split(",")]
    with serving(command, environment=environment, log_path=log_path) as server:
        harness = Harness(server.url, pid_file, log_path, environment)
        prepare(harness)
        for case in chosen:
            print(f"item {case.item}: {case.name} …", flush=True)
            try:
                case.outcome = case.run(harness)
            except Exception as error:  # a case that cannot run is reported
                case.outcome = Outcome(
                    type(error).__name__, float("nan"), 0, 0, 0, 0, str(error)[:200]
                )
            judge(case)
    print()
    print(table(chosen))
    print(f"\nserver log: {log_path}")
    failed = [case for case in chosen if case.problems]
    print(f"{len(chosen) - len(failed)} of {len(chosen)} cases keep their promise")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
