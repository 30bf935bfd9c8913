"""Tolerant reading of JSON from a model's plain-text answer.

Models that cannot call tools still manage "JSON only, please" most of the time, but wrap it:
``<think>…</think>`` reasoning first, a ```json fence, a sentence before or after, a trailing
comma. :func:`parse_json_loose` looks past all of that and returns the first JSON value that
parses, preferring objects; :func:`strip_thinking` removes the reasoning blocks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

_THINK_BLOCK = re.compile(r"<(think|thinking|reasoning)>.*?</\1>", re.DOTALL | re.IGNORECASE)
_THINK_CLOSE = re.compile(r"</(think|thinking|reasoning)>", re.IGNORECASE)
_THINK_OPEN = re.compile(r"<(think|thinking|reasoning)>", re.IGNORECASE)
_FENCE = re.compile(r"```[ \t]*(?:json|JSON|javascript|js)?[ \t]*\n?(.*?)```", re.DOTALL)
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")
_DECODER = json.JSONDecoder()


class LooseJsonError(ValueError):
    """No JSON value could be found in the text."""


def strip_thinking(text: str) -> str:
    """Remove ``<think>…</think>`` (and ``thinking``/``reasoning``) blocks.

    A lone closing tag (the opening one was part of the chat template) drops everything before
    it; a lone opening tag (the answer was cut off mid-thought) drops everything after it.
    """
    text = _THINK_BLOCK.sub("", text)
    closes = list(_THINK_CLOSE.finditer(text))
    if closes:
        text = text[closes[-1].end() :]
    opening = _THINK_OPEN.search(text)
    if opening:
        text = text[: opening.start()]
    return text.strip()


def parse_json_loose(text: str) -> Any:
    """The first JSON value in ``text``: the whole text, fenced blocks, then objects, then arrays.

    Raises :class:`LooseJsonError` (a ``ValueError``) when there is none.
    """
    body = strip_thinking(text)
    for candidate, whole in _candidates(body):
        value = _decode(candidate, whole=whole)
        if value is not _NOTHING:
            return value
    preview = body[:120].replace("\n", " ")
    raise LooseJsonError(f"no JSON object found in the answer: {preview!r}")


_NOTHING = object()


def _candidates(body: str) -> Iterator[tuple[str, bool]]:
    """(text, must the whole text be the value) pairs, most likely first."""
    yield body, True
    fences = [fence.group(1) for fence in _FENCE.finditer(body)]
    for fence in fences:
        yield fence, True
    for text in [*fences, body]:
        for start in _openings(text):
            yield text[start:], False


def _openings(text: str) -> Iterator[int]:
    """Positions of every ``{`` in ``text``, then of every ``[``."""
    for opener in "{[":
        start = text.find(opener)
        while start != -1:
            yield start
            start = text.find(opener, start + 1)


def _decode(candidate: str, *, whole: bool) -> Any:
    candidate = candidate.strip()
    if not candidate:
        return _NOTHING
    try:
        if whole:
            return json.loads(candidate)
        return _DECODER.raw_decode(candidate)[0]
    except ValueError:
        pass
    repaired = candidate if whole else _balanced_prefix(candidate)
    if repaired is None:
        return _NOTHING
    try:
        return json.loads(_TRAILING_COMMA.sub(r"\1", repaired))
    except ValueError:
        return _NOTHING


def _balanced_prefix(text: str) -> str | None:
    """``text`` up to the bracket that closes its first one, or None if it never closes."""
    if not text or text[0] not in "{[":
        return None
    depth = 0
    in_string = False
    escaped = False
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
            if depth == 0:
                return text[: index + 1]
    return None
