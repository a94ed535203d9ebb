"""A JSON parser that answers a 400 for bodies nested too deeply to parse.

DRF's ``JSONParser`` turns a ``ValueError`` into a ``ParseError`` (400) but lets the
``RecursionError`` of, say, 100,000 nested arrays escape as a 500.
"""

from __future__ import annotations

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

from tutor_core.errors import PARSE_ERROR


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise ParseError(PARSE_ERROR.detail(), code=PARSE_ERROR.code) from error
