"""``manage.py seed_demo``: demo users, relations, lessons and tutor profiles; safe to re-run.

Demo data has well-known passwords, so the command runs only with ``DEBUG`` on, or
with ``--force-demo-data`` (a throwaway database of a test tool). It never changes an
account it did not create: the accounts it creates join the group ``seed_demo``; a
planned username that exists outside that group (a real ``olena``, say) is left as it
is, and every relation, lesson and profile planned with it is skipped and reported.
Its own accounts are created once and kept as they are on later runs, but for the
superuser ``admin``, who gets a new random password, printed, on every run.

Tokens are kept. Relations are created and moved
through the relations package's services only when they are not in their planned
status yet, so their audit log tells a story once (requests, acceptances, an archive)
and stays as it is on later runs. Each planned lesson is created only when that tutor has
no lesson with that student at that start yet; a slot that clashes with another lesson
(or is refused for another reason) is skipped and reported. Tutor profiles (the two
demo tutors and enough marketplace tutors to page through) are written through the
marketplace services, so the listing cache hears of them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.models import User
from tutor_lessons.exceptions import LessonsError
from tutor_lessons.models import Lesson
from tutor_lessons.services import lesson_create
from tutor_marketplace.services import availability_replace, profile_update
from tutor_relations.models import RELATION_STATUS, TutorStudentRelation
from tutor_relations.services import relation_create, relation_transition

DEMO_PASSWORD = "demo-pass-123"
# The accounts seed_demo created: the only ones it may touch on a later run.
DEMO_GROUP = "seed_demo"
SUPERUSER = "admin"


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    timezone: str
    role: str


DEMO_USERS = (
    DemoUser("olena", "Olena Kovalenko", "Europe/Kyiv", "tutor"),
    DemoUser("james", "James Miller", "America/New_York", "tutor"),
    DemoUser("taras", "Taras Shevchuk", "Europe/Kyiv", "student"),
    DemoUser("emma", "Emma Wilson", "Europe/London", "student"),
    DemoUser("kenji", "Kenji Sato", "Asia/Tokyo", "student"),
    DemoUser("sofia", "Sofia Nowak", "Europe/Warsaw", "student, pending with olena"),
    DemoUser("lucas", "Lucas Silva", "America/Sao_Paulo", "student, archived by james"),
)

# (tutor, student, the status the relation ends in). Every pair with a planned lesson
# is active: the example project lets a tutor schedule only with an active student.
RELATION_PLAN = (
    ("olena", "taras", RELATION_STATUS.active),
    ("olena", "emma", RELATION_STATUS.active),
    ("olena", "kenji", RELATION_STATUS.active),
    ("james", "emma", RELATION_STATUS.active),
    ("james", "kenji", RELATION_STATUS.active),
    ("james", "taras", RELATION_STATUS.active),
    ("olena", "sofia", RELATION_STATUS.pending),  # for olena to accept in the demo
    ("james", "lucas", RELATION_STATUS.archived),  # pending -> active -> archived
    ("olena", "lucas", RELATION_STATUS.archived),  # pending -> archived (declined)
)


@dataclass(frozen=True)
class PlannedLesson:
    tutor: str
    student: str
    days_ahead: int  # counted from today in the tutor's zone; never 0, so never past
    local_start: time  # in the tutor's zone
    minutes: int


LESSON_PLAN = (
    PlannedLesson("olena", "taras", 1, time(17, 0), 60),
    PlannedLesson("james", "emma", 1, time(8, 0), 60),
    PlannedLesson("olena", "emma", 2, time(18, 0), 60),
    PlannedLesson("olena", "kenji", 3, time(9, 0), 45),
    PlannedLesson("james", "kenji", 4, time(19, 0), 60),
    PlannedLesson("james", "taras", 6, time(10, 0), 90),
    PlannedLesson("olena", "taras", 8, time(17, 0), 60),
    PlannedLesson("olena", "emma", 9, time(18, 0), 60),
    PlannedLesson("james", "emma", 10, time(8, 0), 60),
    PlannedLesson("james", "kenji", 11, time(19, 0), 60),
    PlannedLesson("olena", "kenji", 13, time(9, 0), 45),
)


# Marketplace tutors beyond olena and james: three pages at the default page size.
MARKET_TUTORS = 60
MARKET_SUBJECTS = ("math", "physics", "english", "chemistry", "history", "programming")
MARKET_ZONES = ("Europe/Kyiv", "Europe/Berlin", "America/Toronto", "Asia/Singapore")


class DemoAccounts:
    """The demo's accounts: created once, in ``DEMO_GROUP``; others are never touched."""

    def __init__(self) -> None:
        self.group, _created = Group.objects.get_or_create(name=DEMO_GROUP)
        # PBKDF2 costs a few hundred milliseconds a hash: one for all the demo users.
        self.password_hash = make_password(DEMO_PASSWORD)
        self.foreign: list[str] = []

    def ensure(self, *, username: str, display_name: str, timezone_name: str) -> User | None:
        """The demo user ``username``, created if missing; ``None`` if it is not ours."""
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create(
                username=username,
                display_name=display_name,
                timezone=timezone_name,
                password=self.password_hash,
            )
            user.groups.add(self.group)
            return user
        if not user.groups.filter(pk=self.group.pk).exists():
            self.foreign.append(username)
            return None
        return user

    def ensure_superuser(self) -> str | None:
        """A new random password for the demo's ``admin``; ``None`` if it is not ours."""
        password = secrets.token_urlsafe(12)
        user = self.ensure(username=SUPERUSER, display_name="Admin", timezone_name="UTC")
        if user is None:
            return None
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save(update_fields=["is_staff", "is_superuser", "password"])
        return password


def planned_window(
    plan: PlannedLesson, zone: ZoneInfo, *, now: datetime
) -> tuple[datetime, datetime]:
    day = now.astimezone(zone).date() + timedelta(days=plan.days_ahead)
    start = datetime.combine(day, plan.local_start, tzinfo=zone)
    return start, start + timedelta(minutes=plan.minutes)


class Command(BaseCommand):
    help = (
        "Create demo tutors, students, tokens and lessons (idempotent). Runs only with "
        "DEBUG on, or with --force-demo-data; never changes an account it did not create."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force-demo-data",
            action="store_true",
            help="Seed although DEBUG is off (a throwaway database, e.g. of a test tool).",
        )

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG and not options["force_demo_data"]:
            raise CommandError(
                "seed_demo creates accounts with well-known passwords and runs only with "
                "DEBUG on; pass --force-demo-data to seed a throwaway database anyway."
            )
        accounts = DemoAccounts()
        users, admin_password = self.seed_users(accounts)
        profiles = self.seed_profiles(users, accounts)
        self.stdout.write(f"Tutor profiles: {profiles} published in the marketplace.")
        # After the profiles: a host's eligibility policy may ask for a published one.
        moved = self.seed_relations(users)
        self.stdout.write(f"Relations: {moved} created or moved.")
        created, skipped = self.seed_lessons(users)
        self.stdout.write(f"Lessons: {created} created, {skipped} skipped or already there.")
        for username in accounts.foreign:
            self.stderr.write(
                f"Skipped {username!r}: an account seed_demo did not create (left unchanged, "
                "with everything planned for it)."
            )
        self.print_logins(users, admin_password)

    @transaction.atomic
    def seed_users(self, accounts: DemoAccounts) -> tuple[dict[str, User], str | None]:
        admin_password = accounts.ensure_superuser()
        users = {}
        for demo in DEMO_USERS:
            user = accounts.ensure(
                username=demo.username, display_name=demo.display_name, timezone_name=demo.timezone
            )
            if user is not None:
                users[demo.username] = user
                Token.objects.get_or_create(user=user)
        return users, admin_password

    def seed_relations(self, users: dict[str, User]) -> int:
        """Bring every planned relation to its status, one logged step at a time."""
        moved = 0
        for tutor_name, student_name, target in RELATION_PLAN:
            if tutor_name not in users or student_name not in users:
                continue
            tutor, student = users[tutor_name], users[student_name]
            relation = TutorStudentRelation.objects.filter(tutor=tutor, student=student).first()
            if relation is None:
                relation = relation_create(student=student, tutor=tutor)
                moved += 1
            steps = {
                RELATION_STATUS.pending: [],
                RELATION_STATUS.active: [RELATION_STATUS.active],
                RELATION_STATUS.archived: (
                    [RELATION_STATUS.active, RELATION_STATUS.archived]
                    if tutor_name == "james"
                    else [RELATION_STATUS.archived]
                ),
            }[target]
            for status in steps:
                if relation.status in (status, RELATION_STATUS.archived):
                    continue
                relation = relation_transition(
                    tutor=tutor, relation_id=relation.pk, new_status=status, actor=tutor
                )
                moved += 1
        return moved

    def seed_profiles(self, users: dict[str, User], accounts: DemoAccounts) -> int:
        """The demo tutors' profiles and MARKET_TUTORS more published tutors."""
        profiles = [
            (user, headline, rate, subjects)
            for name, headline, rate, subjects in (
                (
                    "olena",
                    "Maths and physics for school and university",
                    "650.00",
                    ["math", "physics"],
                ),
                ("james", "English conversation and exam preparation", "35.00", ["english"]),
            )
            if (user := users.get(name)) is not None
        ]
        for number in range(1, MARKET_TUTORS + 1):
            user = accounts.ensure(
                username=f"tutor{number:02d}",
                display_name=f"Demo Tutor {number:02d}",
                timezone_name=MARKET_ZONES[number % len(MARKET_ZONES)],
            )
            if user is None:
                continue
            subjects = [
                MARKET_SUBJECTS[(number + offset) % len(MARKET_SUBJECTS)]
                for offset in range(1 + number % 3)
            ]
            rate = f"{200 + (number * 37) % 700}.00"
            headline = f"{subjects[0].capitalize()} tutor, {5 + number % 15} years of teaching"
            profiles.append((user, headline, rate, subjects))
        for user, headline, rate, subjects in profiles:
            currency = "USD" if user.username == "james" else "UAH"
            profile_update(
                user=user,
                data={
                    "headline": headline,
                    "description": f"{headline}. Lessons online, materials included.",
                    "is_published": True,
                    "settings": {"hourly_rate": rate, "currency": currency, "subjects": subjects},
                },
            )
            weekday = user.pk % 5
            availability_replace(
                user=user,
                slots=[
                    {"weekday": weekday, "start": time(9, 0), "end": time(12, 0)},
                    {"weekday": weekday + 2, "start": time(15, 0), "end": time(19, 0)},
                ],
            )
        return len(profiles)

    def seed_lessons(self, users: dict[str, User]) -> tuple[int, int]:
        now = timezone.now()
        created = skipped = 0
        for plan in LESSON_PLAN:
            if plan.tutor not in users or plan.student not in users:
                skipped += 1
                continue
            tutor, student = users[plan.tutor], users[plan.student]
            start, end = planned_window(plan, ZoneInfo(tutor.timezone), now=now)
            if Lesson.objects.filter(tutor=tutor, student=student, start=start).exists():
                skipped += 1
                continue
            try:
                lesson_create(actor=tutor, student=student, start=start, end=end)
            except LessonsError as error:
                skipped += 1
                self.stderr.write(
                    f"Skipped {plan.tutor} -> {plan.student} at {start.isoformat()}: "
                    f"{error} ({error.code})"
                )
            else:
                created += 1
        return created, skipped

    def print_logins(self, users: dict[str, User], admin_password: str | None) -> None:
        tokens = dict(Token.objects.filter(user__in=users.values()).values_list("user", "key"))
        rows = [("username", "password", "role", "timezone", "token")]
        rows += [
            (
                demo.username,
                DEMO_PASSWORD,
                demo.role,
                demo.timezone,
                tokens[users[demo.username].pk],
            )
            for demo in DEMO_USERS
            if demo.username in users
        ]
        if admin_password is not None:
            rows.append(
                (SUPERUSER, admin_password, "superuser (/admin/), new each run", "UTC", "-")
            )
        widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
        lines = [
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            for row in rows
        ]
        lines.insert(1, "  ".join("-" * width for width in widths))
        self.stdout.write("\nDemo logins (Authorization: Token <token>):")
        self.stdout.write("\n".join(line.rstrip() for line in lines))
