"""Hooks and signals a host would provide, for the tests."""

from django.dispatch import Signal

#: Stands in for tutor_relations.signals.relation_status_changed.
relation_status_changed = Signal()


def display_name(user) -> str:
    return user.display_name or user.username
