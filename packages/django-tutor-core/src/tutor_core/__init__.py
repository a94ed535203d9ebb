"""django-tutor-core: the contract every django-tutor package shares."""

__version__ = "1.0.0"
