"""The project's JSON parser: DRF's, with a too deeply nested body as a 400.

``[[[[…]]]]`` nested some thousands deep makes ``json`` raise ``RecursionError``,
which DRF's ``JSONParser`` (it catches ``ValueError`` only) lets through as a 500.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(
        self,
        stream: IO[bytes],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            # The code stays DRF's "parse_error"; the detail is the lessons package's too.
            raise ParseError("The JSON body is nested too deeply.") from None
