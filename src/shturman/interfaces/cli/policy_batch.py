"""`policy check --jsonl` over a large input: the lines judged by worker processes.

The policy is pure and loaded once, so a batch splits cleanly: the rules are loaded in this
process, the workers are forked from it (they share the compiled rules, nothing is loaded
or pickled again), chunks of raw input lines go to whichever worker is free, and the
decision lines come back and are written in input order — byte for byte what one process
writes (`--jobs 1`), including the per-line records for malformed or hostile lines.

Bounded: at most a few chunks per worker are in flight, so memory does not grow with the
input (stdin streams). A worker that dies (a crash in the parser, a kill) fails the batch
with :class:`WorkerDied` instead of hanging; the lines written before it stay written.

The process pool lives here, in the CLI layer: the policy package starts no process.
"""

from __future__ import annotations

import io
import os
from collections import deque
from collections.abc import Iterable, Iterator
from itertools import chain, islice
from typing import TYPE_CHECKING, Final, Protocol, TextIO

if TYPE_CHECKING:
    from concurrent.futures import Future

PARALLEL_FROM: Final = 2_000  # lines: below this, forking workers costs more than it saves
CHUNK_LINES: Final = 256  # ~25 ms of judging per chunk: task overhead stays ~1%
CHUNK_CHARS: Final = 512 * 1024  # a chunk of huge (hostile) lines is cut earlier
IN_FLIGHT_PER_WORKER: Final = 3


class LineJudge(Protocol):
    """What judges `--jsonl` lines: ``PolicyChecks`` (tests hand in others)."""

    def judge_lines(self, src: Iterable[str], out: TextIO) -> None: ...


class WorkerDied(Exception):
    """A worker process stopped before it answered; the batch is incomplete."""

    def __init__(self, detail: str, written: int) -> None:
        super().__init__(detail)
        self.written = written

    def sentence(self) -> str:
        """What `policy check --jsonl` prints (stderr) before it exits with code 1."""
        return (
            f"✗ policy check --jsonl: a worker process died ({self}); the batch is incomplete, "
            f"{self.written} decision lines were written. --jobs 1 judges it in one process. "
            "/ Рабочий процесс аварийно завершился: проверены не все строки."
        )


def parse_jobs(value: str) -> int | None:
    """`--jobs`: ``auto`` (None: one worker per CPU) or a count ≥ 1; ValueError otherwise."""
    if value == "auto":
        return None
    jobs = int(value)
    if jobs < 1:
        raise ValueError(value)
    return jobs


def cpu_count() -> int:
    """The CPUs this process may run on (its affinity mask, not the whole machine)."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else os.cpu_count() or 1


def judge_batch(
    judge: LineJudge,
    src: Iterable[str],
    out: TextIO,
    jobs: int | None = None,
    parallel_from: int = PARALLEL_FROM,
) -> None:
    """Judge lines ``{"cmd": ...}`` from `src` into `out`, one decision line each, in
    order. `jobs` None = one worker per CPU; 1, or fewer than `parallel_from` lines, =
    this process alone. Raises WorkerDied when a worker process dies."""
    workers = cpu_count() if jobs is None else jobs
    lines = iter(src)
    head = list(islice(lines, parallel_from)) if workers > 1 else []
    if workers <= 1 or len(head) < parallel_from or not fork_safe():
        judge.judge_lines(chain(head, lines), out)
        return
    _judge_in_workers(judge, chain(head, lines), out, workers)


def fork_safe() -> bool:
    """Can this process fork workers? Not while other threads run: a forked child may wait
    forever on a lock one of them held at the fork (an import, a stream, a logger — CPython
    warns about it from 3.12). The `shturman` process has one thread here; a process that
    has more (a test runner, an embedding program) judges the batch alone: the same output,
    on one core."""
    import threading

    return threading.active_count() == 1


def _judge_in_workers(judge: LineJudge, lines: Iterator[str], out: TextIO, workers: int) -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    warm = getattr(judge, "warm", None)
    if warm is not None:
        warm()  # compiled once here, shared by the forked workers (not compiled in each)
    out.flush()  # a forked child flushes inherited buffers when it exits: leave none
    pool = ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_adopt,
        initargs=(judge,),  # fork: inherited as is, never pickled
    )
    pending: deque[Future[str]] = deque()
    window = workers * IN_FLIGHT_PER_WORKER
    written = 0

    def write_oldest() -> None:
        nonlocal written
        text = pending.popleft().result()
        out.write(text)
        written += text.count("\n")

    try:
        for chunk in _chunks(lines):
            pending.append(pool.submit(_judge_chunk, chunk))
            if len(pending) >= window:
                write_oldest()
        while pending:
            write_oldest()
    except BrokenProcessPool as exc:
        raise WorkerDied(str(exc) or type(exc).__name__, written) from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    out.flush()


def _chunks(lines: Iterator[str]) -> Iterator[list[str]]:
    chunk: list[str] = []
    size = 0
    for line in lines:
        chunk.append(line)
        size += len(line)
        if len(chunk) >= CHUNK_LINES or size >= CHUNK_CHARS:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


# the judge of a worker process, set once in each worker by `_adopt` (fork inherits it)
_worker_judge: LineJudge | None = None


def _adopt(judge: LineJudge) -> None:
    global _worker_judge
    _worker_judge = judge


def _judge_chunk(lines: list[str]) -> str:
    assert _worker_judge is not None, "a worker judges only after _adopt"
    buf = io.StringIO()
    _worker_judge.judge_lines(lines, buf)
    return buf.getvalue()
