"""The lessons suite's host: ``tutor_testing.settings`` (see there for the environment)."""

from tutor_testing.settings import host_settings

globals().update(
    host_settings(
        "tutor_lessons",
        redis_db=1,
        # On PostgreSQL the no-double-booking exclusion constraints need it (postgres.E005).
        postgres_app=True,
        enum_overrides={"LessonStatusEnum": "tutor_lessons.models.LessonStatus.choices"},
    )
)
