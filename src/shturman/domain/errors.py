"""The one error tree of Shturman.

ShturmanError
├── ConfigError            a config file or setting is wrong (names file, line, field)
├── VaultError             vault key missing, wrong or a secret cannot be decrypted
├── StoreError             the database is unreachable or inconsistent
├── UnknownServerError     a server name or alias that is not registered
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


class ServerExistsError(ShturmanError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


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
