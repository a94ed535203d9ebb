"""Seed the database of ``nox -s perf``: ``python perf_seed.py OUT.json``, from example_project/.

Run by ``tools/perf.py`` on a freshly migrated database with the example project's
settings (``DATABASE_URL``, ``REDIS_URL`` from the environment). It writes to OUT.json
the tokens and the query strings the benchmark requests with:

- ``me``: one user, for ``GET /api/auth/me/``;
- ``month``: a tutor with an active student and 50 lessons in one calendar month;
- ``year``: another tutor (its own student, relation and token) with 500 lessons in
  one year, so that each calendar request reads only its own rows;
- ``relations``: a tutor with 25 active students (asked and accepted through the
  relations services, audit log included), for a 20-row students page;
- ``listing``: the user who browses 10,000 published tutor profiles with subjects.

Relations go through ``tutor_relations.services`` as the example project requires an
active relation before a lesson; lessons, users and profiles are bulk-created (the
profiles' queryset invalidates the listing cache on commit, and the script invalidates
it once more at the end, so no entry of an earlier run survives).
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
RELATION_STUDENTS = 25
MONTH_LESSONS = 50
YEAR_LESSONS = 500
# The calendar windows, in the readers' zone: a whole month and a whole year, far
# enough ahead that nothing of the project treats the lessons as past.
YEAR = datetime.now(UTC).year + 2
MONTH_QUERY = f"from={YEAR}-03-01&to={YEAR}-03-31"
YEAR_QUERY = f"from={YEAR}-01-01&to={YEAR}-12-31"
# A zone with an offset, so that every lesson's times are converted as for a real user.
ZONE = "Europe/Kyiv"
SUBJECTS = (
    "maths",
    "physics",
    "chemistry",
    "biology",
    "english",
    "ukrainian",
    "german",
    "history",
    "geography",
    "informatics",
    "music",
    "art",
)
# No password anyone can use: make_password(None) is an unusable one, and costs no hashing.
NO_PASSWORD = make_password(None)


def user(username: str, *, display_name: str = "") -> User:
    return User.objects.create(
        username=username, display_name=display_name, timezone=ZONE, password=NO_PASSWORD
    )


def token(owner: User) -> str:
    return Token.objects.create(user=owner).key


def active_relations(tutor: User, students: list[User]) -> None:
    """Each student asks, the tutor accepts them in one batch: as through the API."""
    ids = [relation_create(student=student, tutor=tutor).pk for student in students]
    result = relations_transition(
        tutor=tutor,
        relation_ids=ids,
        new_status=RELATION_STATUS.active,
        actor=tutor,
        source="batch",
    )
    if result.failed:
        raise RuntimeError(f"relations not accepted: {result.failed}")


def calendar_tutor(name: str, *, lessons: int, first: datetime, every: timedelta) -> str:
    """A tutor with an active student and ``lessons`` one-hour lessons; their token."""
    tutor = user(f"perf-{name}", display_name=f"Perf {name} tutor")
    student = user(f"perf-{name}-student", display_name=f"Perf {name} student")
    active_relations(tutor, [student])
    Lesson.objects.bulk_create(
        Lesson(
            tutor=tutor,
            student=student,
            status=LessonStatus.SCHEDULED,
            start=first + index * every,
            end=first + index * every + timedelta(hours=1),
        )
        for index in range(lessons)
    )
    return token(tutor)


def marketplace() -> None:
    """10,000 published profiles, each with one to three subjects."""
    rng = random.Random(8)  # the same tutors, rates and subjects on every run
    subjects = Subject.objects.bulk_create(Subject(name=name) for name in SUBJECTS)
    users = User.objects.bulk_create(
        (
            User(
                username=f"perf-tutor-{index:05d}",
                display_name=f"Tutor {index:05d}",
                timezone=ZONE,
                password=NO_PASSWORD,
            )
            for index in range(TUTORS)
        ),
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
    out = Path(sys.argv[1])
    with transaction.atomic():
        me = user("perf-me", display_name="Perf me")
        seeded = {
            "me": token(me),
            "month": calendar_tutor(
                "month",
                lessons=MONTH_LESSONS,
                first=datetime(YEAR, 3, 1, 8, tzinfo=UTC),
                every=timedelta(hours=14),
            ),
            "year": calendar_tutor(
                "year",
                lessons=YEAR_LESSONS,
                first=datetime(YEAR, 1, 2, 8, tzinfo=UTC),
                every=timedelta(hours=17),
            ),
            "month_query": MONTH_QUERY,
            "year_query": YEAR_QUERY,
        }
        relations_tutor = user("perf-relations", display_name="Perf relations tutor")
        students = [
            user(f"perf-rel-student-{index:02d}", display_name=f"Student {index:02d}")
            for index in range(RELATION_STUDENTS)
        ]
        active_relations(relations_tutor, students)
        seeded["relations"] = token(relations_tutor)
        seeded["listing"] = token(user("perf-listing", display_name="Perf listing reader"))
        marketplace()
    # Fresh statistics for 10,000 new rows, or the planner may guess the listing wrong.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    listing_cache.invalidate(reason="perf_seed")
    out.write_text(json.dumps(seeded))
    return 0


if __name__ == "__main__":
    sys.exit(main())
