"""First-run set-up: the data directory's database."""

from __future__ import annotations

from shturman.store import Database


async def prepare_database(url: str) -> str:
    """Create or migrate the database; returns its URL without a password (for messages)."""
    db = Database(url)
    try:
        await db.migrate()
    finally:
        await db.close()
    return db.safe_url
