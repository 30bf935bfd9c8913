"""Persistence: SQLAlchemy tables, repositories returning domain objects, Alembic migrations.

ORM rows never leave this package. ``Database`` loads SQLAlchemy on first use, so
:mod:`shturman.store.sqlite_light` (the `exec local` fast path) does not pay for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shturman.store.database import Database

__all__ = ["Database"]


def __getattr__(name: str) -> Any:
    if name == "Database":
        from shturman.store.database import Database

        return Database
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
