"""Reading a package's generated OpenAPI schema in its tests: one copy for three suites."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml
from django.core.management import call_command


def generate(directory: Path) -> dict[str, Any]:
    """The host's schema, generated with drf-spectacular's validation and warnings as errors."""
    path = directory / "openapi.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text())


def operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(path, method, operation) of every operation."""
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def documented_errors(schema: dict[str, Any], path: str, method: str) -> Iterator[tuple[str, set]]:
    """(attr, codes) of each error component of the operation's 400, as documented."""
    response = schema["paths"][path][method]["responses"]["400"]
    body = _resolve(schema, response["content"]["application/json"]["schema"])
    validation = next(
        _resolve(schema, option) for option in body["oneOf"] if "ValidationError" in option["$ref"]
    )
    error = _resolve(schema, validation["properties"]["errors"]["items"])
    for option in error["oneOf"]:
        properties = _resolve(schema, option)["properties"]
        for attr in properties["attr"]["enum"]:
            yield str(attr), set(properties["code"]["enum"])


def documented_codes(schema: dict[str, Any], path: str, method: str, attr: str) -> set[str]:
    """The codes the operation's 400 lists for ``attr``."""
    return {
        code
        for documented, codes in documented_errors(schema, path, method)
        if documented == attr
        for code in codes
    }


def attr_pattern(attr: str) -> str:
    """A regex of a documented ``attr``: drf-standardized-errors writes a list index as INDEX."""
    return r"\.".join(r"\d+" if part == "INDEX" else re.escape(part) for part in attr.split("."))


def examples_by_status(schema: dict[str, Any], path: str, method: str) -> dict[str, set[str]]:
    """The names of the operation's response examples, by status."""
    responses = schema["paths"][path][method]["responses"]
    return {
        status: set(response["content"]["application/json"].get("examples", {}))
        for status, response in responses.items()
        if "content" in response
    }


def assert_documented(
    schema: dict[str, Any],
    path: str,
    method: str,
    statuses: Iterable[str],
    *,
    refusals: Iterable[str],
    validation: bool = True,
) -> None:
    """The operation documents ``statuses`` at least and shows an example of each success
    with a body, a 400 one (when it validates anything) and one of the statuses in
    ``refusals``: three at least."""
    assert set(statuses) <= set(schema["paths"][path][method]["responses"])
    examples = examples_by_status(schema, path, method)
    for status in (status for status in examples if status.startswith("2")):
        assert examples[status], f"a {status} example"
    if validation:
        assert examples.get("400"), "a validation-error example"
    assert any(examples.get(status) for status in refusals), "a forbidden-state example"
    assert sum(len(names) for names in examples.values()) >= 3


def assert_every_429_has_retry_after(schema: dict[str, Any]) -> None:
    """Every operation documents its 429 with the ``Retry-After`` header."""
    for path, method, operation in operations(schema):
        throttled = operation["responses"].get("429")
        assert throttled, (path, method)
        assert "Retry-After" in throttled.get("headers", {}), (path, method)


def registry_error_codes(schema: dict[str, Any], registry: Mapping[str, Any]) -> set[str]:
    """The registry codes the schema's error examples show, each checked against the registry.

    Every example of a code in ``registry`` must sit under its status and show its
    example detail. DRF's own codes (``not_authenticated``, ``max_length``) and the 429
    that drf-standardized-errors documents in DRF's wording are passed over.
    """
    seen = set()
    for _path, _method, operation in operations(schema):
        for status, response in operation["responses"].items():
            content = response.get("content", {}).get("application/json", {})
            for example in content.get("examples", {}).values():
                value = example["value"]
                for error in value.get("errors", []) if isinstance(value, dict) else []:
                    spec = registry.get(error["code"])
                    if spec is None or error["code"] == "throttled":
                        continue
                    assert status == str(spec.status), (error["code"], status)
                    assert error["detail"] == spec.example_detail(), error
                    seen.add(error["code"])
    return seen
