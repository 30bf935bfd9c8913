"""`policy check --jsonl --jobs N`: worker processes change the speed, never the output.

The same few thousand mixed lines (corpus commands, malformed JSON, hostile input) give
byte-identical output with `--jobs 1` and `--jobs 2`, through the fast path (a real
process, file and stdin) and through typer; a worker that dies fails the batch with a
clear error instead of hanging.
"""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

import pytest
import yaml
from typer.testing import CliRunner

from shturman.interfaces.cli.main import app
from shturman.interfaces.cli.policy_batch import WorkerDied, fork_safe, judge_batch, parse_jobs

ROOT = Path(__file__).resolve().parent.parent
CORPORA = Path(__file__).parent / "policy"
HOSTILE = [
    "true" + " && true" * 1000,
    "echo " + "$(" * 300 + ")" * 300,
    "(" * 3000 + "true" + ")" * 3000,
    "ls " + " *" * 2000,  # many globs: bounded time, an ordinary answer
    "x" * 70_000,
    "echo a\x00b",
    "cat \u202e;fdr- mr",
    "{ echo \U0001f600",
]
MALFORMED = ["not json", '{"cmd": 3}', '{"other": 1}', '{"cmd": "ls"', "[1, 2]", '"ls"', "  "]


def _mixed_lines(n: int = 3000) -> str:
    cmds: list[str] = []
    for name in ("corpus.yaml", "corpus_blind.yaml"):
        cmds += [e["cmd"] for e in yaml.safe_load((CORPORA / name).read_text(encoding="utf-8"))]
    rng = random.Random(5)
    lines = []
    for i in range(n):
        r = rng.random()
        if i % 401 == 7:
            lines.append(json.dumps({"cmd": HOSTILE[(i // 401) % len(HOSTILE)]}))
        elif r < 0.04:
            lines.append(rng.choice(MALFORMED))
        elif r < 0.05:
            lines.append("")  # a blank line has no answer, in any mode
        else:
            lines.append(json.dumps({"cmd": rng.choice(cmds)}, ensure_ascii=r < 0.5))
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("jobs") / "mixed.jsonl"
    path.write_text(_mixed_lines(), encoding="utf-8")
    return path


def in_fresh_process(body: str, *args: str) -> None:
    """Run `_BODY(*args)` of this module in a new interpreter: workers are forked only from a
    process with one thread (`policy_batch.fork_safe`), and the test runner has many."""
    code = (f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
            f"from tests.test_cli_policy_jobs import _{body} as body; "
            f"from pathlib import Path; body(*[Path(a) for a in sys.argv[1:]])")
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=240, check=False)
    assert done.returncode == 0, done.stderr[-3000:]


def test_a_process_with_other_threads_judges_alone() -> None:
    """Here (pytest runs threads) a large batch is judged in this process, never forked:
    a child of a multi-threaded process may wait forever on a lock another thread held."""
    import threading

    stop = threading.Event()
    helper = threading.Thread(target=stop.wait, daemon=True)
    helper.start()
    try:
        assert not fork_safe()
        large, out = [f"{i}\n" for i in range(5000)], io.StringIO()
        judge_batch(PidJudge(), large, out, jobs=2, parallel_from=100)
    finally:
        stop.set()
        helper.join()
    got = [line.split() for line in out.getvalue().splitlines()]
    assert [g[0] for g in got] == [str(i) for i in range(5000)]
    assert {g[1] for g in got} == {str(os.getpid())}


def _cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-c", "from shturman.app import main; main()", "policy", "check"]
    return subprocess.run(
        [*argv, *args], input=stdin, capture_output=True, text=True, timeout=240, check=False
    )


def test_jobs_2_is_byte_identical_to_jobs_1(batch: Path) -> None:
    one = _cli("--jsonl", str(batch), "--jobs", "1")
    two = _cli("--jsonl", str(batch), "--jobs", "2")
    piped = _cli("--jsonl", "-", "--jobs", "2", stdin=batch.read_text(encoding="utf-8"))
    assert one.returncode == two.returncode == piped.returncode == 0, two.stderr[-2000:]
    assert two.stdout == one.stdout
    assert piped.stdout == one.stdout
    lines = batch.read_text(encoding="utf-8").splitlines()
    rows = [json.loads(x) for x in one.stdout.splitlines()]
    assert len(rows) == sum(1 for x in lines if x.strip())  # every non-blank line answered
    asked = [x for x in lines if x.strip()]
    for line, row in zip(asked, rows, strict=True):
        if line in MALFORMED:
            assert row["rule_ids"] == ["input"], (line, row)
            assert row["reasons"][0].startswith("input: malformed line")
    refused = {json.dumps({"cmd": h}) for h in HOSTILE if not h.startswith("ls ")}
    hostile = [row for line, row in zip(asked, rows, strict=True) if line in refused]
    assert len(hostile) >= 5 and all(r["decision"] == "block" for r in hostile)
    assert rows[-1]["decision"] in ("allow", "confirm", "block")  # the batch went on


def test_jobs_through_typer_and_help(batch: Path) -> None:
    in_fresh_process("typer_jobs", str(batch))


def _typer_jobs(batch: Path) -> None:
    runner = CliRunner()
    one = runner.invoke(app, ["policy", "check", "--jsonl", str(batch), "--jobs", "1"])
    two = runner.invoke(app, ["policy", "check", "--jsonl", str(batch), "--jobs", "2"])
    assert one.exit_code == two.exit_code == 0, two.output[-2000:]
    assert two.stdout == one.stdout
    bad = runner.invoke(app, ["policy", "check", "--jsonl", str(batch), "--jobs", "0"])
    assert bad.exit_code == 2 and "auto" in bad.output
    shown = runner.invoke(app, ["policy", "check", "--help"])
    assert "--jobs" in shown.output


def test_bad_jobs_is_declined_by_the_fast_path_and_refused(batch: Path) -> None:
    proc = _cli("--jsonl", str(batch), "--jobs", "many")
    assert proc.returncode == 2 and proc.stdout == ""
    assert parse_jobs("auto") is None and parse_jobs("3") == 3
    with pytest.raises(ValueError):
        parse_jobs("0")


class PidJudge:
    """Answers each line with the id of the process that judged it."""

    def judge_lines(self, src: Iterable[str], out: TextIO) -> None:
        for line in src:
            if line.strip():
                out.write(f"{line.strip()} {os.getpid()}\n")


def test_small_input_stays_in_this_process_large_input_is_forked() -> None:
    in_fresh_process("small_and_large")


def _small_and_large() -> None:
    small, out = [f"{i}\n" for i in range(50)], io.StringIO()
    judge_batch(PidJudge(), small, out, jobs=2, parallel_from=100)
    assert {line.split()[1] for line in out.getvalue().splitlines()} == {str(os.getpid())}
    large, out = [f"{i}\n" for i in range(5000)], io.StringIO()
    judge_batch(PidJudge(), large, out, jobs=2, parallel_from=100)
    got = [line.split() for line in out.getvalue().splitlines()]
    assert [g[0] for g in got] == [str(i) for i in range(5000)]  # in order, none lost
    pids = {g[1] for g in got}
    assert str(os.getpid()) not in pids and 1 <= len(pids) <= 2


class DyingJudge(PidJudge):
    """A worker that dies on one line, as a parser crash (SIGSEGV) would kill it."""

    def judge_lines(self, src: Iterable[str], out: TextIO) -> None:
        lines = list(src)
        if "die\n" in lines:
            os._exit(139)
        super().judge_lines(lines, out)


@pytest.mark.timeout(60)
def test_a_dying_worker_fails_the_batch_without_hanging() -> None:
    in_fresh_process("dying_worker")


def _dying_worker() -> None:
    lines = [f"{i}\n" for i in range(3000)]
    lines[2500] = "die\n"
    out = io.StringIO()
    with pytest.raises(WorkerDied) as caught:
        judge_batch(DyingJudge(), lines, out, jobs=2, parallel_from=100)
    written = out.getvalue().splitlines()
    assert caught.value.written == len(written) < 2500
    assert [w.split()[0] for w in written] == [str(i) for i in range(len(written))]
    sentence = caught.value.sentence()
    assert "worker process died" in sentence and "--jobs 1" in sentence


class WarmedJudge(PidJudge):
    """Records in which process it was warmed, and whether the workers saw it warm."""

    def __init__(self) -> None:
        self.warmed_in: int | None = None

    def warm(self) -> None:
        self.warmed_in = os.getpid()

    def judge_lines(self, src: Iterable[str], out: TextIO) -> None:
        for line in src:
            if line.strip():
                out.write(f"{line.strip()} {self.warmed_in}\n")


def test_the_judge_is_warmed_once_before_the_workers_are_forked() -> None:
    """What the first decisions compile lazily is compiled in the parent, once: the forked
    workers inherit it (each would otherwise compile the rule set's patterns again)."""
    in_fresh_process("warmed_once")


def _warmed_once() -> None:
    judge, out = WarmedJudge(), io.StringIO()
    judge_batch(judge, [f"{i}\n" for i in range(3000)], out, jobs=2, parallel_from=100)
    assert {line.split()[1] for line in out.getvalue().splitlines()} == {str(os.getpid())}


def test_warming_the_policy_compiles_every_lazy_pattern() -> None:
    from shturman.policy import Policy
    from shturman.policy.compiled import _LazyPattern

    policy = Policy.load([])
    policy.warm()
    import gc

    lazy = [p for p in gc.get_objects() if type(p) is _LazyPattern]
    # an uncompiled pattern's slot is empty: reading it without __getattr__ raises
    assert lazy and all(object.__getattribute__(p, "search") for p in lazy)
    assert policy.check_uncached("rm -rf /").decision.value == "block"
