"""The relations suite's host: ``tutor_testing.settings``, plus roomy throttles."""

from tutor_testing.settings import host_settings

globals().update(
    host_settings(
        "tutor_relations",
        redis_db=3,
        # So that a request without credentials is a 401 (with WWW-Authenticate), as
        # under the example project's token authentication.
        basic_auth_first=True,
        enum_overrides={"RelationStatusEnum": "tutor_relations.models.RELATION_STATUS"},
    )
)

# Throttles on, but roomy enough for the races; tests that need a 429 lower them.
TUTOR_RELATIONS = {"WRITE_THROTTLE_RATE": "1000/min", "READ_THROTTLE_RATE": "1000/min"}
