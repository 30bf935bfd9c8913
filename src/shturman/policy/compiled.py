"""An on-disk cache of the compiled rule set and grammars, so a process (`shturman policy
check`) does not re-parse, re-validate and re-compile the YAML on every start.

Safe by construction: the key hashes the YAML files' bytes, the policy package's source
files (name, size, mtime) and the Python version, so any change to either misses; the cache
lives in the user's own cache directory (0700) and is used only when that directory and the
file belong to the user and nobody else can write them; any error (missing, corrupt, wrong
type, unwritable) falls back to building from the YAML, whose errors are raised as before.
`SHTURMAN_POLICY_CACHE=0` turns it off.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import stat
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar, cast

T = TypeVar("T")
_FORMAT = b"shturman-policy-cache-2"
_PACKAGE = Path(__file__).resolve().parent


class _LazyPattern:
    """A regex compiled on first use. Unpickling a compiled pattern recompiles it, which
    would cost a cached load most of what it saves; most rules never run in one process.
    The first `fullmatch`/`search`/`match` stores the compiled pattern's bound method in
    the slot, so later calls cost what a real pattern's do; other attributes delegate.

    Pickled (into the cache), a pattern also carries the program `re` compiled it to
    (:func:`_engine_program`), so a process that loads the cache hands that program to the
    regex engine instead of parsing and compiling the pattern again: the parse is most of
    a cold start's cost."""

    __slots__ = ("_flags", "_program", "_source", "fullmatch", "match", "search")

    def __init__(self, source: str, flags: int, program: _Program | None = None) -> None:
        self._source = source
        self._flags = flags
        self._program = program

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        rx = _from_program(self._source, self._program) if self._program else None
        if rx is None:
            rx = re.compile(self._source, self._flags)
        self.fullmatch = rx.fullmatch
        self.match = rx.match
        self.search = rx.search
        return getattr(rx, name)

    def __reduce__(self) -> tuple[type[_LazyPattern], tuple[str, int, _Program | None]]:
        program = self._program or _engine_program(self._source, self._flags)
        return (_LazyPattern, (self._source, self._flags, program))

    def __repr__(self) -> str:
        return f"lazy({self._source!r})"


# what CPython's `re._compiler.compile` hands `_sre.compile` after the pattern is parsed:
# (flags, code, groups, groupindex, indexgroup)
_Program = tuple[int, list[int], int, dict[str, int], tuple[str | None, ...]]


def _engine_program(source: str, flags: int) -> _Program | None:
    """The compiled program of a pattern, as `re.compile` builds it step by step, kept only
    when the pattern rebuilt from it equals `re.compile`'s (patterns compare by flags and
    code); None when this Python's `re` is built differently. The cache's key holds the
    Python version, so a program is only ever loaded by the Python that made it."""
    try:
        from re import _compiler, _parser  # type: ignore[attr-defined]

        parsed = _parser.parse(source, flags)
        groupindex = dict(parsed.state.groupdict)
        indexgroup: list[str | None] = [None] * parsed.state.groups
        for name, index in groupindex.items():
            indexgroup[index] = name
        code = [int(op) for op in _compiler._code(parsed, flags)]  # opcodes are int subclasses
        program: _Program = (flags | parsed.state.flags, code, parsed.state.groups - 1,
                             groupindex, tuple(indexgroup))
        if _from_program(source, program) == re.compile(source, flags):
            return program
    except Exception:  # no program: the pattern compiles from source
        pass
    return None


def _from_program(source: str, program: _Program) -> re.Pattern[str] | None:
    """The pattern built from its program by the regex engine (which validates the code
    first), or None to compile it from source."""
    try:
        import _sre

        return cast("re.Pattern[str]", _sre.compile(source, *program))
    except Exception:
        return None


def compile_all() -> int:
    """Compile every lazy pattern of this process now; how many there were. Worker processes
    forked afterwards share the compiled patterns instead of each compiling its own."""
    import gc

    patterns = [obj for obj in gc.get_objects() if type(obj) is _LazyPattern]
    for pattern in patterns:
        pattern.search  # noqa: B018 - the first access compiles it
    return len(patterns)


def lazy_compile(source: str, flags: int = 0) -> re.Pattern[str]:
    """`re.compile`, checked now (a bad pattern raises `re.error` here) but compiled for
    matching only when first used, also after a round trip through the cache."""
    re.compile(source, flags)
    return cast("re.Pattern[str]", _LazyPattern(source, flags))


def _cache_dir() -> Path | None:
    if os.environ.get("SHTURMAN_POLICY_CACHE", "1") == "0":
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    if not os.path.isabs(base):
        return None
    return Path(base) / "shturman" / "policy"


def _private(st: os.stat_result) -> bool:
    """Owned by this user and writable by nobody else."""
    getuid = getattr(os, "getuid", None)
    owner_ok = getuid is None or st.st_uid == getuid()
    return owner_ok and not (st.st_mode & (stat.S_IWGRP | stat.S_IWOTH))


def _key(kind: str, files: Sequence[Path]) -> str:
    h = hashlib.sha256(_FORMAT)
    h.update(kind.encode())
    h.update(sys.version.encode())
    # the code that builds the objects and the classes they are made of
    sources = [*_PACKAGE.glob("*.py"), *(_PACKAGE.parent / "domain").glob("*.py")]
    for src in sorted(sources):
        st = src.stat()
        h.update(f"{src}:{st.st_size}:{st.st_mtime_ns};".encode())
    for f in files:
        h.update(str(f).encode() + b"\0")
        h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()[:32]


def cached(kind: str, files: Sequence[Path], build: Callable[[], T], typ: type[T]) -> T:
    """`build()`, or its result from the cache when the inputs are unchanged."""
    try:
        directory = _cache_dir()
        key = _key(kind, files) if directory is not None else ""
    except Exception:  # unreadable file, odd home: build() reports what is wrong
        return build()
    if directory is None:
        return build()
    path = directory / f"{kind}-{key}.pickle"
    try:
        with open(path, "rb") as fh:
            if _private(os.fstat(fh.fileno())) and _private(directory.stat()):
                value = pickle.load(fh)  # our own private file, see above
                if isinstance(value, typ):
                    return value
    except Exception:
        pass  # no cache yet, or a broken one: rebuild below
    value = build()
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(directory.stat()):
            return value
        import tempfile

        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{kind}-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
        for old in directory.glob(f"{kind}-*.pickle"):  # keep only the current one
            if old != path:
                old.unlink(missing_ok=True)
    except Exception:
        pass  # a read-only home is fine: the cache is only an optimisation
    return value
