import pytest
from django.contrib.auth import get_user_model

from tutor_core.users import deprecated_alias, full_name


def test_full_name_is_stripped_and_empty_when_unset():
    user = get_user_model()(username="olena", first_name=" Olena ", last_name="")
    assert full_name(user) == "Olena"
    assert full_name(get_user_model()(username="olena")) == ""
    assert full_name(object()) == ""


def test_a_deprecated_alias_warns_with_the_new_name_and_answers_the_same():
    def shout(text: str) -> str:
        return text.upper()

    old = deprecated_alias(shout, "somewhere.old_shout")
    with pytest.warns(DeprecationWarning, match=r"somewhere\.old_shout is deprecated: use .*shout"):
        assert old("hi") == "HI"
