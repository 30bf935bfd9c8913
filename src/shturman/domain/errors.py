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
└── PolicyError            a command could not be judged (bad rules file)

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
