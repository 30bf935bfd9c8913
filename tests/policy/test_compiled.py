"""The on-disk cache of the compiled rule set (policy/compiled.py): what it keeps, when it is
not trusted, and that a rule set loaded from it decides exactly as one built from the YAML."""

from __future__ import annotations

import os
import pickle
import re
from pathlib import Path

import pytest
import yaml

from shturman.policy import Policy, compiled, rules

HERE = Path(__file__).parent


@pytest.fixture()
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("SHTURMAN_POLICY_CACHE", raising=False)
    return tmp_path / "cache" / "shturman" / "policy"


def _source(tmp_path: Path, text: str = "a: 1\n") -> Path:
    src = tmp_path / "input.yaml"
    src.write_text(text, encoding="utf-8")
    return src


def test_second_load_comes_from_the_cache(cache_home: Path, tmp_path: Path) -> None:
    src = _source(tmp_path)
    builds: list[int] = []

    def build() -> dict[str, int]:
        builds.append(1)
        return {"n": len(builds)}

    assert compiled.cached("t", (src,), build, dict) == {"n": 1}
    assert compiled.cached("t", (src,), build, dict) == {"n": 1}
    assert len(builds) == 1
    (entry,) = cache_home.glob("t-*.pickle")
    assert entry.stat().st_mode & 0o077 == 0
    assert cache_home.stat().st_mode & 0o077 == 0


def test_a_changed_input_misses_and_the_old_entry_goes(cache_home: Path, tmp_path: Path) -> None:
    src = _source(tmp_path)
    compiled.cached("t", (src,), lambda: {"v": 1}, dict)
    src.write_text("a: 2\n", encoding="utf-8")
    assert compiled.cached("t", (src,), lambda: {"v": 2}, dict) == {"v": 2}
    assert len(list(cache_home.glob("t-*.pickle"))) == 1


def test_an_entry_others_can_write_is_not_loaded(cache_home: Path, tmp_path: Path) -> None:
    src = _source(tmp_path)
    compiled.cached("t", (src,), lambda: {"v": "first"}, dict)
    (entry,) = cache_home.glob("t-*.pickle")
    os.chmod(entry, 0o666)
    assert compiled.cached("t", (src,), lambda: {"v": "rebuilt"}, dict) == {"v": "rebuilt"}


def test_a_corrupt_entry_is_rebuilt(cache_home: Path, tmp_path: Path) -> None:
    src = _source(tmp_path)
    compiled.cached("t", (src,), lambda: {"v": 1}, dict)
    (entry,) = cache_home.glob("t-*.pickle")
    entry.write_bytes(b"not a pickle")
    assert compiled.cached("t", (src,), lambda: {"v": 2}, dict) == {"v": 2}


def test_turned_off_writes_nothing(cache_home: Path, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHTURMAN_POLICY_CACHE", "0")
    src = _source(tmp_path)
    assert compiled.cached("t", (src,), lambda: {"v": 1}, dict) == {"v": 1}
    assert not cache_home.exists()


@pytest.mark.parametrize("source,flags", [
    (r"^(?P<verb>ls|cat)\s+(?P<path>/\S*)$", 0),
    (r"(?i)password\s*=\s*\S+", 0),
    (r"(?:.*/)?\.ssh/id_[^/]*", re.S),
    (r"(a|b)*c\1", re.M),
])
def test_a_pattern_keeps_its_program_through_the_cache(source: str, flags: int) -> None:
    """Pickled, a pattern carries what `re` compiled it to; loaded, the engine is handed that
    program, and the pattern it builds is the one `re.compile` builds (patterns compare by
    flags and code)."""
    lazy = compiled.lazy_compile(source, flags)
    loaded = pickle.loads(pickle.dumps(lazy))
    assert loaded._program is not None  # the program is what is under test
    rebuilt = compiled._from_program(source, loaded._program)
    assert rebuilt == re.compile(source, flags)
    assert rebuilt is not None and rebuilt.groupindex == re.compile(source, flags).groupindex
    sample = "ls /etc password = x ~/.ssh/id_rsa abac"
    assert bool(loaded.search(sample)) == bool(re.compile(source, flags).search(sample))


def test_a_damaged_program_falls_back_to_the_source() -> None:
    lazy = compiled.lazy_compile(r"^rm\s+-rf\s+/$")
    flags, code, groups, index, names = pickle.loads(pickle.dumps(lazy))._program
    damaged = compiled._LazyPattern(r"^rm\s+-rf\s+/$", 0,
                                    (flags, [999999] * len(code), groups, index, names))
    assert damaged.fullmatch("rm -rf /") is not None
    assert damaged.fullmatch("rm -rf /tmp") is None


def test_a_cached_rule_set_decides_as_a_fresh_one() -> None:
    """The built-in rules and grammars after a round trip through the cache's pickle decide
    every command of the classic corpus exactly as the rules built from the YAML."""
    fresh = rules.build([rules.load_file(p) for p in rules.builtin_files()])
    loaded = pickle.loads(pickle.dumps(fresh, protocol=pickle.HIGHEST_PROTOCOL))
    a, b = Policy(fresh, cache_size=0), Policy(loaded, cache_size=0)
    entries = yaml.safe_load((HERE / "corpus.yaml").read_text(encoding="utf-8"))
    differ = [
        e["cmd"] for e in entries
        if a.check(e["cmd"]).decision is not b.check(e["cmd"]).decision
        or a.check(e["cmd"]).rule_ids != b.check(e["cmd"]).rule_ids
    ]
    assert not differ, differ[:5]
    assert len(entries) > 500
