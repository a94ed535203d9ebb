"""The test host the django-tutor packages' suites share (unpublished; see testing/README.md)."""
