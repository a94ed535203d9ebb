"""The other test user model, ``uuidapp.UuidPerson`` (``TUTOR_TEST_USER_MODEL=uuid``)."""
