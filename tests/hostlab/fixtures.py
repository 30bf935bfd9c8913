"""Pytest fixtures for the host lab. Import into ``tests/conftest.py``:

    from tests.hostlab.fixtures import hostlab  # noqa: F401

The lab is shared per process (reference-counted), so importing the fixture in more than one
place never starts two labs with the same users.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from .lab import HostLab, HostLabError

_shared: HostLab | None = None
_refs = 0


def acquire_shared_lab(count: int = 3) -> HostLab:
    """Start (once) and return the process-wide lab of ``count`` hosts (users shtest1..N)."""
    global _shared, _refs
    if _shared is None:
        base = Path(tempfile.mkdtemp(prefix="shturman-hostlab-", dir="/tmp"))
        # HOSTLAB_USER_PREFIX: own Unix users for concurrent suites on one machine (useradd
        # re-homes a shared user, so two labs with the same names lock each other out)
        lab = HostLab(base, count, user_prefix=os.environ.get("HOSTLAB_USER_PREFIX", "shtest"))
        try:
            lab.start()
        except HostLabError as exc:
            shutil.rmtree(base, ignore_errors=True)
            pytest.fail(f"host lab cannot start: {exc}", pytrace=False)
        except BaseException:
            shutil.rmtree(base, ignore_errors=True)
            raise
        _shared = lab
    _refs += 1
    return _shared


def release_shared_lab() -> None:
    global _shared, _refs
    _refs -= 1
    if _refs <= 0 and _shared is not None:
        lab, _shared, _refs = _shared, None, 0
        lab.stop()
        if not os.environ.get("SHTURMAN_HOSTLAB_KEEP"):
            shutil.rmtree(lab.base_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def hostlab() -> Iterator[HostLab]:
    """Three real sshd test hosts (vm1..vm3, users shtest1..3) with the webapp unit installed."""
    lab = acquire_shared_lab(3)
    try:
        yield lab
    finally:
        release_shared_lab()
