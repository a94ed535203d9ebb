"""The default test user model, ``testapp.Person``."""
