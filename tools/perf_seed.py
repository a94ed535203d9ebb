"""Seed the database of ``nox -s perf``: ``python perf_seed.py OUT.json``, from example_project/.

Run by ``tools/perf.py`` on a freshly migrated database. Writes to OUT.json the tokens
and calendar windows it requests with: ``me``; ``month`` and ``year``, tutors with 50
lessons in a month and 500 in a year; ``relations``, a tutor with 25 active students
(through the relations services); ``listing``, a reader of 10,000 published profiles.
The listing cache is invalidated at the end: no entry of an earlier run survives.
"""

from __future__ import annotations

import json
import os
import random
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

# The example project's packages (config, accounts) beside the script's own directory.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "example_project"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

from accounts.models import User  # noqa: E402
from tutor_lessons.models import Lesson, LessonStatus  # noqa: E402
from tutor_marketplace.cache import listing_cache  # noqa: E402
from tutor_marketplace.models import Subject, TutorProfile  # noqa: E402
from tutor_relations.models import RELATION_STATUS  # noqa: E402
from tutor_relations.services import relation_create, relations_transition  # noqa: E402

TUTORS = 10_000
# The calendar windows, in the readers' zone: a whole month and a whole year, far
# enough ahead that nothing of the project treats the lessons as past.
YEAR = datetime.now(UTC).year + 2
# A zone with an offset, so that every lesson's times are converted as for a real user.
ZONE = "Europe/Kyiv"
SUBJECTS = ["maths", "physics", "chemistry", "biology", "english", "ukrainian", "german"]
SUBJECTS += ["history", "geography", "informatics", "music", "art"]
# No password anyone can use: make_password(None) is an unusable one, and costs no hashing.
NO_PASSWORD = make_password(None)


def user(username: str, display_name: str, *, create: bool = True) -> User:
    fields = {"username": username, "display_name": display_name, "timezone": ZONE}
    fields["password"] = NO_PASSWORD
    return User.objects.create(**fields) if create else User(**fields)


def token(owner: User) -> str:
    return Token.objects.create(user=owner).key


def active_relations(tutor: User, students: list[User]) -> None:
    """Each student asks, the tutor accepts them in one batch: as through the API."""
    ids = [relation_create(student=student, tutor=tutor).pk for student in students]
    active = RELATION_STATUS.active
    result = relations_transition(
        tutor=tutor, relation_ids=ids, new_status=active, actor=tutor, source="batch"
    )
    if result.failed:
        raise RuntimeError(f"relations not accepted: {result.failed}")


def calendar_tutor(name: str, lessons: int, first: datetime, every_hours: int) -> str:
    """A tutor with an active student and ``lessons`` one-hour lessons; their token."""
    tutor = user(f"perf-{name}", f"Perf {name} tutor")
    student = user(f"perf-{name}-student", f"Perf {name} student")
    active_relations(tutor, [student])
    starts = [first + index * timedelta(hours=every_hours) for index in range(lessons)]
    Lesson.objects.bulk_create(
        Lesson(tutor=tutor, student=student, status=LessonStatus.SCHEDULED, start=start,
               end=start + timedelta(hours=1))
        for start in starts
    )  # fmt: skip
    return token(tutor)


def marketplace() -> None:
    """10,000 published profiles, each with one to three subjects."""
    rng = random.Random(8)  # the same tutors, rates and subjects on every run
    subjects = Subject.objects.bulk_create(Subject(name=name) for name in SUBJECTS)
    users = User.objects.bulk_create(
        (user(f"perf-tutor-{i:05d}", f"Tutor {i:05d}", create=False) for i in range(TUTORS)),
        batch_size=2000,
    )
    profiles = TutorProfile.objects.bulk_create(
        (
            TutorProfile(
                user=tutor,
                headline=f"Tutor {index:05d}: exams and homework",
                description="Patient lessons online; exam preparation, homework, reading. " * 3,
                is_published=True,
                # Every rate stays far below the MISS requests' max_rate (tools/perf.py).
                hourly_rate=Decimal(rng.randrange(20_000, 200_000)) / 100,
                currency=rng.choice(("UAH", "USD", "EUR")),
            )
            for index, tutor in enumerate(users)
        ),
        batch_size=2000,
    )
    through = TutorProfile.subjects.through
    through.objects.bulk_create(
        (
            through(tutorprofile_id=profile.pk, subject_id=subject.pk)
            for profile in profiles
            for subject in rng.sample(subjects, rng.randint(1, 3))
        ),
        batch_size=5000,
    )


def main() -> int:
    with transaction.atomic():
        relations_tutor = user("perf-relations", "Perf relations tutor")
        students = [user(f"perf-rel-student-{i:02d}", f"Student {i:02d}") for i in range(25)]
        active_relations(relations_tutor, students)
        seeded = {
            "me": token(user("perf-me", "Perf me")),
            # 50 lessons within March and 500 within the year (perf.py expects these counts).
            "month": calendar_tutor("month", 50, datetime(YEAR, 3, 1, 8, tzinfo=UTC), 14),
            "year": calendar_tutor("year", 500, datetime(YEAR, 1, 2, 8, tzinfo=UTC), 17),
            "month_query": f"from={YEAR}-03-01&to={YEAR}-03-31",
            "year_query": f"from={YEAR}-01-01&to={YEAR}-12-31",
            "relations": token(relations_tutor),
            "listing": token(user("perf-listing", "Perf listing reader")),
        }
        marketplace()
    # Fresh statistics for 10,000 new rows, or the planner may guess the listing wrong.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    listing_cache.invalidate(reason="perf_seed")
    Path(sys.argv[1]).write_text(json.dumps(seeded))
    return 0


if __name__ == "__main__":
    sys.exit(main())
