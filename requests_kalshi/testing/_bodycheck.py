"""What the local exchange refuses in a JSON request body, before any endpoint reads it.

Every problem is a 400 with Kalshi's flat ``bad_request`` body (the shape Kalshi answers a
body it cannot read with), whose ``details`` say what is wrong: see :func:`unreadable_body`.
Which bodies Kalshi refuses is not documented; these limits are the exchange's own. Parsing is
bounded: no body can make the exchange recurse deeply, build huge integers or produce
infinities.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

__all__ = ["MAX_DEPTH", "MAX_DIGITS", "body_problem", "unreadable_body"]

MAX_DEPTH = 32
"""Most levels of nested arrays and objects a body may have (Kalshi's bodies use three)."""

MAX_DIGITS = 30
"""Most digits an integer in a body may have."""

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


def unreadable_body(problem: str) -> dict[str, Any]:
    """The 400 body for a request body the exchange cannot read.

    >>> unreadable_body("the body is not valid JSON")
    {'code': 'bad_request', 'message': 'bad request', 'details': 'the body is not valid JSON'}
    """
    return {"code": "bad_request", "message": "bad request", "details": problem}


class _Refused(ValueError):
    pass


def body_problem(body: bytes) -> str | None:
    """What is wrong with a request body that must be a JSON object; ``None`` if nothing.

    >>> body_problem(b'{"count": 1}') is None
    True
    >>> body_problem(b"[1, 2]")
    'the body must be a JSON object, not an array'
    >>> body_problem(b'{"count": 1e999}')
    'the body is not valid JSON: number 1e999 is out of range'
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        return f"the body is not UTF-8 text (byte {error.start} is invalid)"
    if _depth(text) > MAX_DEPTH:
        return f"the body is nested deeper than {MAX_DEPTH} levels"
    try:
        value = json.loads(
            text, parse_int=_integer, parse_float=_finite, parse_constant=_no_constant
        )
    except _Refused as error:
        return f"the body is not valid JSON: {error}"
    except (ValueError, RecursionError) as error:
        return f"the body is not valid JSON: {_short(str(error))}"
    if not isinstance(value, dict):
        return f"the body must be a JSON object, not {_kind(value)}"
    return None


def _depth(text: str) -> int:
    """The deepest nesting of brackets outside strings (unbalanced text is judged by json)."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub("", text)):
        depth += 1 if match.group() in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise _Refused(f"an integer of {len(text.lstrip('-'))} digits is out of range")
    return int(text)


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise _Refused(f"number {_short(text, 20)} is out of range")
    return number


def _no_constant(text: str) -> Any:
    raise _Refused(f"{text} is not a JSON number")


def _kind(value: object) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a number"


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
