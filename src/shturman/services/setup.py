"""First-run set-up: the data directory and its database, private to their owner.

Modes: the data directory 0700 here (:func:`secure_home`, called by `shturman init`); the SQLite
file and its side files 0600 in ONE place, ``store.database.private_file``, on every open.
"""

from __future__ import annotations

import os
from pathlib import Path

from shturman.store import Database


def secure_home(home: Path) -> None:
    """Create the data directory (or tighten an existing one) to mode 0700."""
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(home, 0o700)


async def prepare_database(url: str) -> str:
    """Create or migrate the database; returns its URL without a password (for messages)."""
    db = Database(url)
    try:
        await db.migrate()
    finally:
        await db.close()
    return db.safe_url


def create_vault_key(path: Path) -> bool:
    """Create the vault key file (0600) unless it exists; True when it was created."""
    from shturman.vault import create_key_file

    return create_key_file(path)
