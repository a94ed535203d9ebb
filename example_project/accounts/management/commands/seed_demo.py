"""``manage.py seed_demo``: demo tutors, students and their lessons; safe to re-run.

Users are created or updated in place, tokens kept, and each planned lesson is created
only when that tutor has no lesson with that student at that start yet; a slot that
clashes with another lesson (or is refused for another reason) is skipped and reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.models import User
from tutor_lessons.exceptions import LessonsError
from tutor_lessons.models import Lesson
from tutor_lessons.services import lesson_create

DEMO_PASSWORD = "demo-pass-123"


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


def ensure_user(
    *, username: str, display_name: str, timezone_name: str, superuser: bool = False
) -> User:
    user, _created = User.objects.update_or_create(
        username=username,
        defaults={
            "display_name": display_name,
            "timezone": timezone_name,
            "is_active": True,
            "is_staff": superuser,
            "is_superuser": superuser,
        },
    )
    # Re-hashing an unchanged password would sign the user out of existing sessions.
    if not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def planned_window(
    plan: PlannedLesson, zone: ZoneInfo, *, now: datetime
) -> tuple[datetime, datetime]:
    day = now.astimezone(zone).date() + timedelta(days=plan.days_ahead)
    start = datetime.combine(day, plan.local_start, tzinfo=zone)
    return start, start + timedelta(minutes=plan.minutes)


class Command(BaseCommand):
    help = "Create demo tutors, students, tokens and lessons (idempotent)."

    def handle(self, *args, **options) -> None:
        users = self.seed_users()
        created, skipped = self.seed_lessons(users)
        self.stdout.write(f"Lessons: {created} created, {skipped} skipped or already there.")
        self.print_logins(users)

    @transaction.atomic
    def seed_users(self) -> dict[str, User]:
        ensure_user(username="admin", display_name="Admin", timezone_name="UTC", superuser=True)
        users = {}
        for demo in DEMO_USERS:
            users[demo.username] = ensure_user(
                username=demo.username, display_name=demo.display_name, timezone_name=demo.timezone
            )
            Token.objects.get_or_create(user=users[demo.username])
        return users

    def seed_lessons(self, users: dict[str, User]) -> tuple[int, int]:
        now = timezone.now()
        created = skipped = 0
        for plan in LESSON_PLAN:
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

    def print_logins(self, users: dict[str, User]) -> None:
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
        ]
        rows.append(("admin", DEMO_PASSWORD, "superuser (/admin/)", "UTC", "-"))
        widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
        lines = [
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            for row in rows
        ]
        lines.insert(1, "  ".join("-" * width for width in widths))
        self.stdout.write("\nDemo logins (Authorization: Token <token>):")
        self.stdout.write("\n".join(line.rstrip() for line in lines))
