"""What the repositories redact with: the one `Redactor`, handed in by the composition root.

Every text column a repository writes (and reads back: rows written before a secret was known
are masked on the way out) passes through it, so nothing in the store is in clear."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from shturman.policy.redaction import Redactor


class Redacts(Protocol):
    def redact(self, text: str) -> str: ...

    def redact_data(self, value: Any) -> Any: ...


def or_default(redactor: Redacts | None) -> Redacts:
    """The given redactor, or one that masks secret-shaped patterns (no vault values)."""
    if redactor is not None:
        return redactor
    from shturman.policy.redaction import Redactor

    built: Redactor = Redactor()
    return built
