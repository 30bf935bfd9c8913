"""parse_json_loose and strip_thinking, as a table."""

from __future__ import annotations

from typing import Any

import pytest

from shturman.llm import LooseJsonError, parse_json_loose, strip_thinking

CASES: list[tuple[str, str, Any]] = [
    ("bare object", '{"a": 1}', {"a": 1}),
    ("bare array", "[1, 2]", [1, 2]),
    ("scalar", "42", 42),
    ("whitespace", '\n  {"a": 1}  \n', {"a": 1}),
    ("json fence", 'Here:\n```json\n{"a": 1}\n```', {"a": 1}),
    ("bare fence", '```\n{"a": 1}\n```', {"a": 1}),
    ("fence with array of objects", '```json\n[{"a": 1}]\n```', [{"a": 1}]),
    ("fence wins over earlier prose brace", 'Use {x} syntax.\n```json\n{"a": 1}\n```', {"a": 1}),
    ("prose before and after", 'The plan is {"a": 1} as requested.', {"a": 1}),
    ("think block", '<think>maybe {"a": 0}?</think>{"a": 1}', {"a": 1}),
    ("THINK upper case", '<THINK>x</THINK>\n{"a": 1}', {"a": 1}),
    ("thinking tag", '<thinking>x</thinking>{"a": 1}', {"a": 1}),
    ("lone closing think tag", 'reasoning {"a": 0} ...</think>\n{"a": 1}', {"a": 1}),
    (
        "braces inside strings",
        'ok {"cmd": "awk \'{print $1}\'", "n": 2} end',
        {"cmd": "awk '{print $1}'", "n": 2},
    ),
    ("escaped quote in string", r'{"s": "say \"hi\" {"}', {"s": 'say "hi" {'}),
    ("nested", 'x {"a": {"b": [1, {"c": 2}]}} y', {"a": {"b": [1, {"c": 2}]}}),
    ("first of two objects", '{"a": 1} and {"b": 2}', {"a": 1}),
    ("trailing commas", '{"a": [1, 2,], "b": 3,}', {"a": [1, 2], "b": 3}),
    ("trailing comma in fence", '```json\n{"a": 1,}\n```', {"a": 1}),
    ("object preferred over earlier array", 'see [1] then {"b": 2}', {"b": 2}),
    ("broken object then good one", '{"a": oops} retry: {"a": 2}', {"a": 2}),
    ("unicode", '{"текст": "диск заполнен"}', {"текст": "диск заполнен"}),
]

ERRORS = [
    ("empty", ""),
    ("prose only", "I could not decide."),
    ("think only", '<think>{"a": 1}</think>'),
    ("unclosed object", '{"a": 1'),
    ("cut off while thinking", '<think>{"a": 1}'),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_parses(text: str, expected: Any) -> None:
    assert parse_json_loose(text) == expected


@pytest.mark.parametrize("text", [c[1] for c in ERRORS], ids=[c[0] for c in ERRORS])
def test_rejects(text: str) -> None:
    with pytest.raises(LooseJsonError):
        parse_json_loose(text)


def test_error_is_a_value_error_with_a_preview() -> None:
    with pytest.raises(ValueError, match="no JSON object found"):
        parse_json_loose("nothing here")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<think>a</think>answer", "answer"),
        ("<think>a</think> one <think>b</think> two", "one  two"),
        ("prefix</think>answer", "answer"),
        ("answer<think>cut off", "answer"),
        ("no tags", "no tags"),
    ],
)
def test_strip_thinking(text: str, expected: str) -> None:
    assert strip_thinking(text) == expected
