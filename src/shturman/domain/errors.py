"""The one error tree of Shturman.

ShturmanError
├── ConfigError            a config file or setting is wrong (names file, line, field)
├── VaultError             vault key missing, wrong or a secret cannot be decrypted
├── StoreError             the database is unreachable or inconsistent
├── UnknownServerError     a server name or alias that is not registered
│   └── AmbiguousServerError   …or that several servers answer to
├── ServerExistsError      adding a server whose name is taken
├── HostError              a server could not be reached or used
│   ├── UnreachableError   connection refused, DNS failure, timeout while connecting
│   ├── AuthError          wrong password or key, refused by the server
│   ├── HostKeyError       the server's host key changed since it was pinned
│   └── CommandTimeout     a command ran past its timeout and was killed
├── PolicyError            a command could not be judged (bad rules file)
├── ApprovalError          an answer that took no effect: unknown, expired, already answered,
│                          abandoned (its process died) or not allowed for this role
├── UserError              a user that is unknown, taken, or a bad role/language/name
└── JobError               a background job could not be submitted, found or changed
    ├── UnknownJobError    no job has that id
    ├── JobStateError      the job is already finished: nothing to cancel
    └── InfrastructureError   raised by a job handler BEFORE any command could have run
                              (database, broker or connection down): the one retried failure

Interfaces map these to user-facing text in exactly one place each.
"""

from __future__ import annotations


class ShturmanError(Exception):
    """Root of every error Shturman raises on purpose."""


class ConfigError(ShturmanError):
    pass


class VaultError(ShturmanError):
    pass


class StoreError(ShturmanError):
    pass


class UnknownServerError(ShturmanError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class AmbiguousServerError(UnknownServerError):
    """A name or alias that several servers answer to; ``candidates`` are their names."""

    def __init__(self, name: str, candidates: tuple[str, ...]) -> None:
        super().__init__(name)
        self.candidates = candidates


class ServerExistsError(ShturmanError):
    """``kind``: "registered" (taken in the registry), "local" (built in) or "config" (defined
    in the config file; ``where`` is its "file:line")."""

    def __init__(self, name: str, *, kind: str = "registered", where: str = "",
                 detail: str = "") -> None:
        super().__init__(name)
        self.name = name
        self.kind = kind
        self.where = where
        self.detail = detail


class HostError(ShturmanError):
    def __init__(self, server: str, detail: str) -> None:
        super().__init__(f"{server}: {detail}")
        self.server = server
        self.detail = detail


class UnreachableError(HostError):
    pass


class AuthError(HostError):
    pass


class HostKeyError(HostError):
    def __init__(self, server: str, detail: str, *, expected: str = "", got: str = "") -> None:
        super().__init__(server, detail)
        self.expected = expected
        self.got = got


class CommandTimeout(HostError):
    pass


class PolicyError(ShturmanError):
    pass


class JobError(ShturmanError):
    pass


class UnknownJobError(JobError):
    def __init__(self, job_id: int) -> None:
        super().__init__(f"job {job_id}")
        self.job_id = job_id


class JobStateError(JobError):
    """The job is in a final state (``status``): it cannot be cancelled any more."""

    def __init__(self, job_id: int, status: str) -> None:
        super().__init__(f"job {job_id} is {status}")
        self.job_id = job_id
        self.status = status


class RunStateError(ShturmanError):
    """A reserved run that is no longer pending: cancelled before its job started, or
    started already (a run is started once)."""

    def __init__(self, run_id: str) -> None:
        super().__init__(f"run {run_id} is not pending")
        self.run_id = run_id


class UnknownRunError(ShturmanError):
    def __init__(self, run_id: str) -> None:
        super().__init__(f"run {run_id}")
        self.run_id = run_id


class InfrastructureError(JobError):
    """A job handler raises this only when nothing could have run yet (no command started):
    the worker may then retry the job with backoff. Any other exception fails the job."""


class ApprovalError(ShturmanError):
    """An answer to an approval request that did nothing. ``reason``: ``unknown``, ``expired``,
    ``answered`` (``status`` says how), ``abandoned``, ``forbidden`` (``role`` may not answer)."""

    def __init__(self, approval_id: str, reason: str, *, status: str = "",
                 role: str = "") -> None:
        super().__init__(f"approval {approval_id}: {reason}")
        self.approval_id = approval_id
        self.reason = reason
        self.status = status
        self.role = role


class UserError(ShturmanError):
    """``reason``: ``unknown``, ``exists``, ``telegram_taken``, ``bad_role``, ``bad_lang``,
    ``bad_name``; ``value`` is what was wrong."""

    def __init__(self, name: str, reason: str, value: str = "") -> None:
        super().__init__(f"user {name}: {reason}")
        self.name = name
        self.reason = reason
        self.value = value
