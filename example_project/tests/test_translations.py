"""Messages in English and Ukrainian (SPEC §0), the codes the same in both.

The catalogues: every ``locale/uk/LC_MESSAGES/django.po`` (each package's, the accounts
app's, the example config's) is translated in full, none of it fuzzy, with the
placeholders and the backticked names of its English text; every message of each
package's error registry is in it; the committed ``.mo`` holds exactly what the ``.po``
says (``nox -s messages`` regenerates and compiles both). Read with polib and the
standard library's ``gettext``: no GNU gettext needed.

Through HTTP (``live_server``, httpx): ``Accept-Language: uk`` answers a validation error,
a domain error and a 404 in Cyrillic, with the same ``code`` and ``attr`` as English.
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from importlib import import_module
from pathlib import Path

import httpx
import polib
import pytest
from django.utils import translation

import config.errors

#: Each module that has a catalogue, by what the tests call it.
CATALOGUE_MODULES = [
    "tutor_core",
    "tutor_lessons",
    "tutor_relations",
    "tutor_marketplace",
    "accounts",
    "config",
]
REGISTRIES = ["tutor_lessons", "tutor_relations", "tutor_marketplace"]
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
#: ``{name}`` (str.format) and ``%(name)s`` / ``%s`` (%-format) placeholders.
PLACEHOLDER = re.compile(r"\{[a-z_]*\}|%\([a-z_]+\)[a-z]|%[sd]")
BACKTICKED = re.compile(r"`[^`]+`")


def catalogue_path(module: str, suffix: str) -> Path:
    directory = Path(import_module(module).__file__).parent
    return directory / "locale" / "uk" / "LC_MESSAGES" / f"django.{suffix}"


def entries(module: str) -> list[polib.POEntry]:
    return [entry for entry in polib.pofile(catalogue_path(module, "po")) if not entry.obsolete]


def translations(entry: polib.POEntry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural[index] for index in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


# --- the catalogues -------------------------------------------------------------------


@pytest.mark.parametrize("module", CATALOGUE_MODULES)
def test_every_message_of_a_catalogue_is_translated_and_none_is_fuzzy(module):
    catalogue = polib.pofile(catalogue_path(module, "po"))
    plural_forms = int(re.search(r"nplurals=(\d+)", catalogue.metadata["Plural-Forms"])[1])

    assert catalogue.metadata["Language"] == "uk"
    assert not catalogue.metadata_is_fuzzy
    assert len(entries(module)) > 0
    untranslated = [
        entry.msgid
        for entry in entries(module)
        if not all(translations(entry))
        or (entry.msgid_plural and len(translations(entry)) != plural_forms)
    ]
    assert untranslated == []
    assert [entry.msgid for entry in entries(module) if "fuzzy" in entry.flags] == []


@pytest.mark.parametrize("module", CATALOGUE_MODULES)
def test_a_translation_keeps_the_placeholders_and_backticked_names_of_its_message(module):
    changed = []
    for entry in entries(module):
        for index, text in enumerate(translations(entry)):
            # Plural forms past the first read the English plural.
            english = entry.msgid_plural if entry.msgid_plural and index else entry.msgid
            for pattern in (PLACEHOLDER, BACKTICKED):
                if set(pattern.findall(text)) != set(pattern.findall(english)):
                    changed.append((entry.msgid, text))

    assert changed == []


@pytest.mark.parametrize("module", CATALOGUE_MODULES)
def test_the_committed_mo_holds_exactly_what_the_po_says(module):
    expected = {}
    for entry in entries(module):
        msgid = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        if entry.msgid_plural:
            expected.update(
                {(msgid, int(index)): text for index, text in entry.msgstr_plural.items()}
            )
        else:
            expected[msgid] = entry.msgstr

    with catalogue_path(module, "mo").open("rb") as compiled:
        catalog = dict(gettext.GNUTranslations(compiled)._catalog)
    catalog.pop("", None)  # the header

    assert catalog == expected


@pytest.mark.parametrize("module", REGISTRIES)
def test_every_message_of_a_package_registry_is_in_its_catalogue(module):
    registry = import_module(f"{module}.errors").CODES
    # parse_error and throttled are core's entries, translated in core's catalogue.
    catalogued = {entry.msgid for entry in entries(module) + entries("tutor_core")}
    with translation.override(None):  # the English source text: the msgid
        missing = [code for code, error in registry.items() if str(error.message) not in catalogued]

    assert missing == []
    with translation.override("uk"):
        english_left = [
            code for code, error in registry.items() if not CYRILLIC.search(error.example_detail())
        ]
    assert english_left == []


def test_every_error_of_the_example_config_is_in_its_catalogue():
    answers = [
        value for value in vars(config.errors).values() if isinstance(value, config.errors.ApiError)
    ]
    catalogued = {entry.msgid for entry in entries("config")}

    assert len(answers) >= 7
    with translation.override(None):
        assert [
            str(answer.detail) for answer in answers if str(answer.detail) not in catalogued
        ] == []


# --- through HTTP ---------------------------------------------------------------------

PASSWORD = "a-long-translation-passphrase"
UKRAINIAN = {"Accept-Language": "uk"}


@pytest.fixture
def http(live_server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        yield client


def sign_up(http: httpx.Client, username: str) -> tuple[int, dict[str, str]]:
    """A new user's id and the headers that sign in as them."""
    registered = http.post(
        "/api/auth/register/",
        json={"username": username, "password": PASSWORD, "timezone": "Europe/Kyiv"},
    )
    assert registered.status_code == 201, registered.text
    return registered.json()["id"], {"Authorization": f"Token {registered.json()['token']}"}


def errors(response: httpx.Response) -> list[tuple[str, str | None]]:
    return [(error["code"], error["attr"]) for error in response.json()["errors"]]


def details(response: httpx.Response) -> list[str]:
    return [error["detail"] for error in response.json()["errors"]]


def assert_same_error_in_both_languages(
    english: httpx.Response, ukrainian: httpx.Response, status: int
) -> None:
    assert english.status_code == ukrainian.status_code == status, ukrainian.text
    assert errors(ukrainian) == errors(english)
    assert all(CYRILLIC.search(detail) for detail in details(ukrainian)), ukrainian.text
    assert not any(CYRILLIC.search(detail) for detail in details(english)), english.text
    assert ukrainian.headers["Content-Language"] == "uk"
    assert english.headers["Content-Language"] == "en"


@pytest.fixture
def tutor_and_student(http: httpx.Client) -> tuple[dict[str, str], int]:
    """A tutor's headers and the id of a student in an active relation with them."""
    tutor_id, tutor = sign_up(http, "mariia")
    student_id, student = sign_up(http, "petro")
    published = http.patch(
        "/api/me/profile/",
        headers=tutor,
        json={
            "headline": "Математика",
            "is_published": True,
            "settings": {"hourly_rate": "40.00", "subjects": ["math"]},
        },
    )
    assert published.status_code == 200, published.text
    asked = http.post("/api/student/relations/", headers=student, json={"tutor": tutor_id})
    assert asked.status_code == 201, asked.text
    accepted = http.post(f"/api/tutor/relations/{asked.json()['id']}/accept/", headers=tutor)
    assert accepted.status_code == 200, accepted.text
    return tutor, student_id


def next_week_at(hour: int) -> datetime:
    day = datetime.now(UTC).date() + timedelta(days=7)
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
def test_a_validation_error_in_ukrainian_keeps_its_codes_and_fields(http, tutor_and_student):
    tutor, student_id = tutor_and_student
    start = next_week_at(10)
    reversed_lesson = {
        "student": student_id,
        "start": start.isoformat(),
        "end": (start - timedelta(hours=1)).isoformat(),
    }
    # DRF's own messages (a missing field), the packages' and the accounts app's.
    incomplete_lesson = {"start": start.isoformat()}
    bad_zone = {"timezone": "Mars/Olympus"}

    for method, path, body in [
        ("POST", "/api/lessons/", reversed_lesson),
        ("POST", "/api/lessons/", incomplete_lesson),
        ("PATCH", "/api/auth/me/", bad_zone),
    ]:
        english = http.request(method, path, headers=tutor, json=body)
        ukrainian = http.request(method, path, headers={**tutor, **UKRAINIAN}, json=body)

        assert_same_error_in_both_languages(english, ukrainian, 400)
    assert errors(http.post("/api/lessons/", headers=tutor, json=reversed_lesson)) == [
        ("end_before_start", "end")
    ]


@pytest.mark.django_db(transaction=True)
def test_a_time_conflict_in_ukrainian_keeps_its_code(http, tutor_and_student):
    tutor, student_id = tutor_and_student
    start = next_week_at(10)
    lesson = {
        "student": student_id,
        "start": start.isoformat(),
        "end": (start + timedelta(hours=1)).isoformat(),
    }
    assert http.post("/api/lessons/", headers=tutor, json=lesson).status_code == 201
    overlapping = {**lesson, "start": (start + timedelta(minutes=30)).isoformat()}
    overlapping["end"] = (start + timedelta(minutes=90)).isoformat()

    english = http.post("/api/lessons/", headers=tutor, json=overlapping)
    ukrainian = http.post("/api/lessons/", headers={**tutor, **UKRAINIAN}, json=overlapping)

    assert_same_error_in_both_languages(english, ukrainian, 409)
    assert [code for code, _attr in errors(ukrainian)] == ["time_conflict"]


@pytest.mark.django_db(transaction=True)
def test_not_found_in_ukrainian_keeps_its_code(http):
    _user_id, headers = sign_up(http, "oksana")

    for method, path in [
        ("POST", "/api/lessons/999999/cancel/"),  # the lessons package's 404
        ("GET", "/api/no-such-page/"),  # an unknown URL (config.errors)
    ]:
        english = http.request(method, path, headers=headers, json={})
        ukrainian = http.request(method, path, headers={**headers, **UKRAINIAN}, json={})

        assert_same_error_in_both_languages(english, ukrainian, 404)
        assert [code for code, _attr in errors(ukrainian)] == ["not_found"]
