"""Job handlers by kind, and the context a handler gets.

A handler is ``async def handle(payload, ctx) -> dict | None``. Before it does anything that
must not happen twice (a command, a run), it calls ``await ctx.acted(...)``: that is stored
first, and from then on a crash marks the job ``interrupted`` instead of running it again, and
an :class:`~shturman.domain.errors.InfrastructureError` fails it instead of retrying it.

Handlers from other packages (and tests) come from modules named in
``jobs.handler_modules`` (env ``SHTURMAN_JOBS__HANDLER_MODULES='["pkg.mod"]'``); each exposes
``register(registry)``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Coroutine, Iterable
from typing import Any

from shturman.domain.errors import ConfigError, JobStateError
from shturman.domain.jobs import Job, JobPayload
from shturman.store.repositories.jobs import JobRepo

Handler = Callable[[JobPayload, "JobContext"], Coroutine[Any, Any, JobPayload | None]]


class JobContext:
    """What a running handler may tell the queue: progress, the run it started, and that it
    is about to act. Every call is stored before it returns; a job that is no longer this
    worker's (reaped, cancelled) raises :class:`JobStateError` so the handler stops."""

    def __init__(self, job: Job, repo: JobRepo, owner: str) -> None:
        self.job = job
        self._repo = repo
        self._owner = owner
        self._progress: dict[str, Any] = dict(job.progress)
        self.run_id: str | None = job.run_id

    @property
    def has_acted(self) -> bool:
        return bool(self._progress.get("acted"))

    @property
    def done(self) -> list[str]:
        return [str(d) for d in self._progress.get("done", [])]

    async def acted(self, what: str = "") -> None:
        """Record that something irreversible is about to start (call it BEFORE acting)."""
        done = list(self._progress.get("done", []))
        if what:
            done.append(what)
        await self._save({**self._progress, "acted": True, "done": done[-50:]})

    async def progress(self, **values: Any) -> None:
        await self._save({**self._progress, **values})

    async def set_run(self, run_id: str) -> None:
        self.run_id = run_id
        await self._save(self._progress, run_id)

    async def _save(self, progress: dict[str, Any], run_id: str | None = None) -> None:
        if not await self._repo.checkpoint(self.job.id, self._owner, progress, run_id):
            raise JobStateError(self.job.id, "no longer owned by this worker")
        self._progress = progress


class HandlerRegistry:
    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}

    def register(self, kind: str, handler: Handler) -> None:
        self._handlers[kind] = handler

    def get(self, kind: str) -> Handler | None:
        return self._handlers.get(kind)

    @property
    def kinds(self) -> list[str]:
        return sorted(self._handlers)

    def load_modules(self, names: Iterable[str]) -> None:
        """Import each module and call its ``register(registry)``."""
        for name in names:
            try:
                module = importlib.import_module(name)
            except ImportError as exc:
                raise ConfigError(f"jobs.handler_modules: cannot import {name!r}: {exc}"
                                  ) from exc
            register = getattr(module, "register", None)
            if not callable(register):
                raise ConfigError(f"jobs.handler_modules: {name!r} has no register(registry)")
            register(self)
