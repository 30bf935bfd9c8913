"""`policy check` / `policy explain` as a use-case: judge command lines with the rule set, and
the JSON shape of a decision (DESIGN.md §5). Imports nothing heavy until asked: `policy check
--json` is a start-up benchmark."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TextIO

if TYPE_CHECKING:
    from shturman.domain.verdict import Verdict
    from shturman.policy import Policy


class PolicyChecks:
    """The safety policy for a person asking about a command (not for running one)."""

    def __init__(self, rules: Sequence[Path] = ()) -> None:
        from shturman.policy import Policy

        self._policy: Policy = Policy.load(tuple(rules))

    def verdict(self, command: str) -> Verdict:
        return self._policy.check(command)

    def payload(self, command: str) -> dict[str, Any]:
        return payload(self._policy.check(command))

    def explain(self, command: str, lang: str) -> str:
        return str(self._policy.explain(command, lang=lang))

    def warm(self) -> None:
        """Before worker processes are forked from this one (`policy_batch`)."""
        self._policy.warm()

    def judge_lines(self, src: Iterable[str], out: TextIO) -> None:
        """`--jsonl`: lines ``{"cmd": ...}`` in, one decision object per line out, in order."""
        judge_lines(self._policy, src, out)


class Judge(Protocol):
    def check(self, command: str) -> Verdict: ...


def judge_lines(policy: Judge, src: Iterable[str], out: TextIO) -> None:
    """One decision object per input line ``{"cmd": ...}``, in order; a malformed line or a
    checker failure is a named `block` for that line only."""
    write = out.write
    dumps = json.dumps
    check = policy.check
    for line in src:
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            cmd = item["cmd"]
            if not isinstance(cmd, str):
                raise TypeError("cmd is not a string")
        except (ValueError, KeyError, TypeError) as exc:
            write(dumps(_malformed(str(exc)[:80]), ensure_ascii=False) + "\n")
            continue
        try:
            answer = payload(check(cmd))
        except Exception as exc:
            # the policy is built never to raise; should a bug slip through, this one line is
            # refused (block, named) and the rest of the batch is still judged
            answer = _checker_failed(type(exc).__name__)
        write(dumps(answer, ensure_ascii=False) + "\n")
    out.flush()


def payload(verdict: Verdict) -> dict[str, Any]:
    """One decision as the `policy check --json` object."""
    return {
        "decision": verdict.decision.value,
        "reasons": [f"{r.rule_id}: {r.en}" for r in verdict.reasons],
        "commands": list(verdict.commands),
        "rule_ids": list(verdict.rule_ids),
        "preapprovable": verdict.preapprovable,
    }


def _malformed(detail: str) -> dict[str, Any]:
    return {
        "decision": "block",
        "reasons": [f"input: malformed line ({detail})"],
        "commands": [],
        "rule_ids": ["input"],
        "preapprovable": False,
    }


def _checker_failed(error: str) -> dict[str, Any]:
    return {
        "decision": "block",
        "reasons": [f"input.checker_error: the checker failed on this line ({error})"],
        "commands": [],
        "rule_ids": ["input.checker_error"],
        "preapprovable": False,
    }
