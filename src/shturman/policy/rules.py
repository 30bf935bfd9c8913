"""Policy rules: the YAML format, loading, and matching one program invocation.

A rule names the programs it is about and optional conditions; all given conditions must
hold. Decisions combine strictest-first (block > confirm > allow); a program no rule allows
needs confirmation. See `rules/default.yaml` for the format in use.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from shturman.domain.errors import PolicyError
from shturman.domain.models import Decision
from shturman.domain.verdict import Autonomy
from shturman.policy.compiled import lazy_compile
from shturman.policy.grammar import Grammar, ProgramTable, compile_grammars

DEFAULT_RULES = Path(__file__).parent / "rules" / "default.yaml"
# the built-in rules and grammars of a family of programs each (mail, storage, …): loaded
# after default.yaml in name order, as extra rule files are (`grammars:` in the same file)
TOOL_RULES = Path(__file__).parent / "rules" / "tools"
_LOCAL_HOSTS = re.compile(
    r"^(?:[a-z]+://)?(?:[^@/]*@)?(localhost|127\.\d+\.\d+\.\d+|\[::1\]|::1|0\.0\.0\.0)"
    r"(?::\d+)?(?:[/?#].*)?$",
    re.I,
)
_URLISH = re.compile(
    r"^(?:[a-z][a-z0-9+.-]*://|[\w.-]+\.[a-z]{2,}(?:[:/]|$)|localhost[:/]|"
    r"\d+\.\d+\.\d+\.\d+)",
    re.I,
)


# The rule file format is these dataclasses, validated as they are loaded (`load_file`:
# pydantic's TypeAdapter, unknown fields refused); one definition, no mirror models.
_STRICT = {"extra": "forbid"}


@dataclass(kw_only=True, slots=True)
class RuleSpec:
    """One rule as written in YAML."""

    __pydantic_config__ = _STRICT

    id: str
    decision: Decision
    en: str
    ru: str
    commands: list[str] = field(default_factory=lambda: ["*"])
    except_commands: list[str] = field(default_factory=list)
    subcommand: list[str] = field(default_factory=list)
    flags_any: list[str] = field(default_factory=list)
    flags_none: list[str] = field(default_factory=list)
    args_any: list[str] = field(default_factory=list)
    args_none: list[str] = field(default_factory=list)
    args_regex: str | None = None
    text_regex: str | None = None
    text_none_regex: str | None = None
    max_positionals: int | None = None
    paths: list[str] = field(default_factory=list)
    reads: list[str] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)
    destroys: list[str] = field(default_factory=list)
    perms: list[str] = field(default_factory=list)
    assigns: list[str] = field(default_factory=list)
    urls: Literal["local", "any"] | None = None
    stdin_from: list[str] = field(default_factory=list)
    remote: bool | None = None
    # for a confirm rule: may `--mode autonomous` pre-approve it? Only known, bounded changes
    # say `preapprove`; the default `human` fails closed (see domain.verdict.Autonomy)
    autonomy: Autonomy = Autonomy.HUMAN


@dataclass(kw_only=True, slots=True)
class RuleFile:
    __pydantic_config__ = _STRICT

    version: int = 1
    programs: dict[str, list[str]] = field(default_factory=dict)  # name -> value options
    examples: list[str] = field(default_factory=list)  # concrete sensitive paths for globs
    rules: list[RuleSpec] = field(default_factory=list)
    # argument grammars for the programs this file allows (the format of grammars.yaml):
    # a site's own read-only tool needs one, or its allow rule only asks (`grammar.*`)
    grammars: dict[str, object] = field(default_factory=dict)


def glob_regex(pattern: str) -> str:
    """Path glob → regex: `**` crosses `/`, `*` and `?` do not; `~` means any home;
    a pattern not rooted at `/` or `~` matches at any directory boundary."""
    out = []
    i = 0
    if pattern.startswith("~"):
        out.append(r"(?:~|/root|/home/[^/]+)")
        i = 1
    elif pattern.startswith("**/"):
        out.append(r"(?:.*/)?")
        i = 3
    elif not pattern.startswith("/"):
        out.append(r"(?:.*/)?")
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("{*}", i):  # a literal `*` written in the command (a glob)
            out.append(r"\*")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(r"\[")
            else:
                body = pattern[i + 1 : end].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def _compile_globs(patterns: Sequence[str]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return lazy_compile("|".join(f"(?:{glob_regex(p)})" for p in patterns))


def _literal_need(patterns: Sequence[str]) -> re.Pattern[str] | None:
    """A quick necessary test for `_compile_args(patterns)`: an argument fully matching one
    of the globs contains that glob's longest literal piece (the text between `*` and `?`),
    so a search for those pieces finding none means no argument matches. None when some
    glob has no literal piece or uses a `[…]` set (no quick test, the globs decide)."""
    pieces: list[str] = []
    for p in patterns:
        if "[" in p:
            return None
        longest = max(re.split(r"[*?]", p), key=len)
        if not longest:
            return None
        pieces.append(longest)
    if not pieces:
        return None
    return lazy_compile("|".join(re.escape(p) for p in dict.fromkeys(pieces)))


def _compile_args(patterns: Sequence[str]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    import fnmatch

    return lazy_compile("|".join(f"(?:{fnmatch.translate(p)})" for p in patterns), re.S)


def path_match(rx: re.Pattern[str], paths: Sequence[str]) -> bool:
    for p in paths:
        if rx.fullmatch(p):
            return True
        if p.startswith("../") and rx.fullmatch("/" + p.lstrip("./")):
            return True  # unknown cwd: assume it climbs to /
    return False


@dataclass(frozen=True, slots=True)
class Facts:
    """What a rule can look at for one program invocation."""

    name: str
    args: tuple[str, ...]
    positionals: tuple[str, ...]
    subcommands: tuple[str, ...]
    text: str  # "name arg arg …" plus any script fed on stdin
    reads: tuple[str, ...]
    changes: tuple[str, ...]
    destroys: tuple[str, ...]
    perms: tuple[str, ...]
    paths: tuple[str, ...]
    assigns: tuple[str, ...]
    upstream: tuple[str, ...]
    remote: bool
    # `text` lower-cased when it is ASCII, for the literal pre-tests of case-insensitive
    # patterns (`Rule.text_need`); None: not given, the patterns decide alone
    folded: str | None = None
    # `"\0".join(args)`, for the literal pre-tests of `args_any`/`args_none`
    joined_args: str | None = None


FACT_BITS = {"paths": 1, "reads": 2, "changes": 4, "destroys": 8, "perms": 16, "assigns": 32}
ALL_FACTS = 63


def present(f: Facts) -> int:
    """Which of the `FACT_BITS` fields of the facts are non-empty."""
    return (
        (1 if f.paths else 0)
        | (2 if f.reads else 0)
        | (4 if f.changes else 0)
        | (8 if f.destroys else 0)
        | (16 if f.perms else 0)
        | (32 if f.assigns else 0)
    )


@dataclass(frozen=True, slots=True)
class Rule:
    spec: RuleSpec
    flags_any: tuple[tuple[str, ...], tuple[str, ...]]
    flags_none: tuple[tuple[str, ...], tuple[str, ...]]
    args_any: re.Pattern[str] | None
    args_none: re.Pattern[str] | None
    args_regex: re.Pattern[str] | None
    text_regex: re.Pattern[str] | None
    text_none: re.Pattern[str] | None
    paths: re.Pattern[str] | None
    reads: re.Pattern[str] | None
    writes: re.Pattern[str] | None
    destroys: re.Pattern[str] | None
    perms: re.Pattern[str] | None
    assigns: re.Pattern[str] | None
    subcommands: tuple[tuple[str, ...], ...]
    # (pattern, Facts field) for each path condition the rule has, precomputed
    path_conds: tuple[tuple[re.Pattern[str], str], ...] = ()
    # the Facts fields (`FACT_BITS`) that must be non-empty for the rule to match at all
    needs: int = 0
    # for `args_any`/`args_none`: literal text every matching argument contains (one piece
    # per pattern, `_literal_need`); no argument holding any, no argument can match
    args_any_need: re.Pattern[str] | None = None
    args_none_need: re.Pattern[str] | None = None
    # for `text_regex`/`text_none`: literal strings one of which every match contains
    # (`required_literals`); none in the text, the pattern cannot match
    text_need: Literals | None = None
    text_none_need: Literals | None = None

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def decision(self) -> Decision:
        return self.spec.decision

    def matches(self, f: Facts) -> bool:
        s = self.spec
        # path and assignment conditions first: most invocations have none, a cheap reject
        for rx, attr in self.path_conds:
            paths = getattr(f, attr)
            if not paths or not path_match(rx, paths):
                return False
        if self.assigns and not any(self.assigns.fullmatch(a) for a in f.assigns):
            return False
        if s.except_commands and f.name in s.except_commands:
            return False
        if self.subcommands and not any(f.subcommands[: len(sc)] == sc for sc in self.subcommands):
            return False
        # the literal pre-test of `text_regex`: most texts hold none of its literals
        if self.text_need is not None and not self.text_need.found_in(f):
            return False
        if s.flags_any and not _flags(f.args, self.flags_any):
            return False
        if s.flags_none and _flags(f.args, self.flags_none):
            return False
        if self.args_any or self.args_none:
            joined = "\0".join(f.args) if f.joined_args is None else f.joined_args
            if self.args_any and not (
                (self.args_any_need is None or self.args_any_need.search(joined))
                and any(self.args_any.fullmatch(a) for a in f.args)
            ):
                return False
            if (
                self.args_none
                and (self.args_none_need is None or self.args_none_need.search(joined))
                and any(self.args_none.fullmatch(a) for a in f.args)
            ):
                return False
        if self.args_regex and not any(self.args_regex.fullmatch(a) for a in f.args):
            return False
        # the exclusion first: it is usually an anchored, cheap pattern
        if (
            self.text_none
            and (self.text_none_need is None or self.text_none_need.found_in(f))
            and self.text_none.search(f.text)
        ):
            return False
        if self.text_regex and not self.text_regex.search(f.text):
            return False
        if s.max_positionals is not None and len(f.positionals) > s.max_positionals:
            return False
        if s.urls == "local" and not _urls_local(f.positionals):
            return False
        if s.stdin_from and not any(u in s.stdin_from for u in f.upstream):
            return False
        return s.remote is None or s.remote == f.remote


@dataclass(frozen=True, slots=True)
class Literals:
    """A necessary condition for a regex to find a match: the text contains one of
    `strings` (`folded`: compared case-insensitively, on `Facts.folded`)."""

    strings: tuple[str, ...]
    folded: bool
    # many strings: one search for all of them is faster than a test for each
    any_of: re.Pattern[str] | None = None

    def found_in(self, f: Facts) -> bool:
        """False only when no match is possible; True when the pattern must decide."""
        if not self.folded:
            text = f.text
        elif f.folded is None:
            return True  # non-ASCII text (case folding beyond ASCII) or not given
        else:
            text = f.folded
        if self.any_of is not None:
            return self.any_of.search(text) is not None
        for s in self.strings:  # noqa: SIM110 - a plain loop: half the cost of any(<genexpr>)
            if s in text:
                return True
        return False


def required_literals(source: str) -> Literals | None:
    """Literal strings of which every match of the regex `source` (compiled with no flags
    but its own) contains one; None when there is no such set (or the pattern is not
    understood). Derived from the parsed pattern: a run of literal characters in a
    sequence, a repeat of at least once, a group, every branch of an alternation."""
    import importlib

    parser: Any = importlib.import_module("re._parser")
    c: Any = importlib.import_module("re._constants")
    try:
        tree = parser.parse(source)
    except (re.error, RecursionError):
        return None
    fold = bool(tree.state.flags & re.IGNORECASE)

    def seq(items: Any) -> frozenset[str] | None:
        options: list[frozenset[str]] = []
        run: list[str] = []
        for op, av in items:
            if op is c.LITERAL:
                run.append(chr(av))
                continue
            if run:
                options.append(frozenset(["".join(run)]))
                run = []
            found = node(op, av)
            if found is not None:
                options.append(found)
        if run:
            options.append(frozenset(["".join(run)]))
        if not options:
            return None
        return max(options, key=lambda o: (min(map(len, o)), -len(o)))

    def node(op: Any, av: Any) -> frozenset[str] | None:
        nonlocal fold
        if op is c.SUBPATTERN:
            _group, add_flags, _del_flags, sub = av
            if add_flags & re.IGNORECASE:
                fold = True
            return seq(sub)
        if op is c.ATOMIC_GROUP:
            return seq(av)
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            low, _high, sub = av
            return seq(sub) if low >= 1 else None
        if op is c.BRANCH:
            union: set[str] = set()
            for branch in av[1]:
                found = seq(branch)
                if found is None:
                    return None
                union |= found
            return frozenset(union)
        return None

    found = seq(tree)
    if not found or "" in found:
        return None
    if fold:
        if not all(s.isascii() for s in found):
            return None  # `(?i)ſ` matches `s`: folding is not `str.lower` beyond ASCII
        found = frozenset(s.lower() for s in found)
    # a string containing another is implied by it: keep the shorter
    kept = sorted(s for s in found if not any(o != s and o in s for o in found))
    many = lazy_compile("|".join(map(re.escape, kept))) if len(kept) > 6 else None
    return Literals(tuple(kept), fold, many)


def _urls_local(positionals: Sequence[str]) -> bool:
    urls = [p for p in positionals if _URLISH.match(p)]
    return bool(urls) and all(_LOCAL_HOSTS.match(u) for u in urls)


def _split_flags(flags: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    short = tuple(f[1] for f in flags if len(f) == 2 and f[0] == "-" and f[1] != "-")
    long = tuple(f for f in flags if not (len(f) == 2 and f[0] == "-" and f[1] != "-"))
    return short, long


_Matcher = Callable[[str], "re.Match[str] | None"]


@lru_cache(maxsize=4096)
def _long_forms(long: tuple[str, ...]) -> tuple[frozenset[str], tuple[_Matcher, ...]]:
    """The long flag patterns as a set of literal ones (`fnmatchcase` of a pattern with no
    `*?[` is equality) and the compiled matchers of the others (what `fnmatchcase` uses)."""
    import fnmatch

    literal = frozenset(f for f in long if not any(c in f for c in "*?["))
    globs = tuple(re.compile(fnmatch.translate(f)).match for f in long if f not in literal)
    return literal, globs


def _flags(args: Sequence[str], flags: tuple[tuple[str, ...], tuple[str, ...]]) -> bool:
    short, long = flags
    literal, globs = _long_forms(long)

    for a in args:
        if a == "--":
            return False
        if a.startswith("--"):
            key = a.split("=", 1)[0]
            if key in literal or a in literal:
                return True
            if globs and any(g(key) is not None or g(a) is not None for g in globs):
                return True
        elif a.startswith("-") and len(a) > 1:
            if short and any(ch in short for ch in a[1:]):
                return True
            if a in literal or (globs and any(g(a) is not None for g in globs)):
                return True
    return False


def compile_rule(spec: RuleSpec) -> Rule:
    def rx(p: str | None) -> re.Pattern[str] | None:
        return lazy_compile(p) if p else None

    try:
        globs = {
            "paths": _compile_globs(spec.paths),
            "reads": _compile_globs(spec.reads),
            "changes": _compile_globs(spec.writes),
            "destroys": _compile_globs(spec.destroys),
            "perms": _compile_globs(spec.perms),
        }
        return Rule(
            spec=spec,
            flags_any=_split_flags(spec.flags_any),
            flags_none=_split_flags(spec.flags_none),
            args_any=_compile_args(spec.args_any),
            args_none=_compile_args(spec.args_none),
            args_any_need=_literal_need(spec.args_any),
            args_none_need=_literal_need(spec.args_none),
            args_regex=rx(spec.args_regex),
            text_regex=rx(spec.text_regex),
            text_none=rx(spec.text_none_regex),
            text_need=required_literals(spec.text_regex) if spec.text_regex else None,
            text_none_need=(
                required_literals(spec.text_none_regex) if spec.text_none_regex else None
            ),
            paths=globs["paths"],
            reads=globs["reads"],
            writes=globs["changes"],
            destroys=globs["destroys"],
            perms=globs["perms"],
            assigns=_compile_args(spec.assigns),
            subcommands=tuple(tuple(s.split()) for s in spec.subcommand),
            path_conds=tuple((rx, attr) for attr, rx in globs.items() if rx is not None),
            needs=sum(FACT_BITS[attr] for attr, rx in globs.items() if rx is not None)
            | (FACT_BITS["assigns"] if spec.assigns else 0),
        )
    except re.error as exc:
        raise PolicyError(f"rule {spec.id}: bad pattern: {exc}") from exc


@dataclass(frozen=True, slots=True)
class RuleSet:
    by_name: dict[str, tuple[Rule, ...]]
    globbed: tuple[tuple[re.Pattern[str], Rule], ...]  # rules naming programs by glob
    generic: tuple[Rule, ...]  # rules about any program
    value_options: dict[str, frozenset[str]]
    examples: tuple[str, ...]
    known_names: frozenset[str]
    # from the rule files (a ProgramTable: each unpickled from the cache on first use)
    grammars: Mapping[str, Grammar] = field(default_factory=dict)
    # name → its candidate rules; depends on the name only, so computed once per name
    _candidates: dict[tuple[str, int], tuple[Rule, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def candidates(self, name: str, facts: int = ALL_FACTS) -> tuple[Rule, ...]:
        """The rules that may match program `name`, in order. Given `facts` (`present`),
        rules needing a fact field that is empty are left out: they could not match."""
        key = (name, facts)
        found = self._candidates.get(key)
        if found is None:
            found = tuple(
                r
                for r in (
                    *self.by_name.get(name, ()),
                    *(r for rx, r in self.globbed if rx.fullmatch(name)),
                    *self.generic,
                )
                if r.needs & facts == r.needs
            )
            if len(self._candidates) < 8192:  # bounded: names come from untrusted input
                self._candidates[key] = found
        return found


def concrete_examples(pattern: str) -> list[str]:
    """Sample absolute paths a path glob matches (`**/.ssh/id_rsa` →
    `/home/user/.ssh/id_rsa`), so a glob written in a command (`cat /home/*/.ssh/id_*`)
    can be tested against it."""
    if "{*}" in pattern or "[" in pattern or pattern.endswith("-x"):
        return []
    if pattern.startswith("~"):
        bases = ["/root" + pattern[1:], "/home/user" + pattern[1:]]
    elif pattern.startswith("**/"):
        bases = ["/home/user/" + pattern[3:], "/root/" + pattern[3:]]
    elif not pattern.startswith("/"):
        bases = ["/home/user/" + pattern, "/srv/app/" + pattern]
    else:
        bases = [pattern]
    out: list[str] = []
    for b in bases:
        b = b.replace("/**/", "/x/").replace("**", "x")
        for fill in ("", "x"):
            c = b.replace("*", fill).replace("?", "x")
            if c not in out and not c.endswith("/"):
                out.append(c)
    return out


def load_file(path: Path) -> RuleFile:
    """Read and validate one rule file; errors name the file and the field."""
    # pydantic is imported here, not at module load: `import shturman.policy` stays light
    import yaml  # only when the compiled-rules cache misses
    from pydantic import TypeAdapter, ValidationError

    from shturman.policy.schema import GrammarFile

    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {}
        rule_file = TypeAdapter(RuleFile).validate_python(data)
        GrammarFile.model_validate({"programs": rule_file.grammars})
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise PolicyError(f"{path}: {exc}") from exc
    return rule_file


@lru_cache(maxsize=8)
def _load_cached(paths: tuple[Path, ...]) -> RuleSet:
    from shturman.policy.compiled import cached

    return cached("rules", paths, lambda: build([load_file(p) for p in paths]), RuleSet)


def builtin_files() -> tuple[Path, ...]:
    """default.yaml, then the tool families' files (rules/tools/*.yaml) in name order."""
    return (DEFAULT_RULES, *sorted(TOOL_RULES.glob("*.yaml")))


def load(extra: Sequence[Path] = ()) -> RuleSet:
    return _load_cached((*builtin_files(), *(Path(p) for p in extra)))


def build(files: Sequence[RuleFile]) -> RuleSet:
    import fnmatch

    specs: dict[str, RuleSpec] = {}
    value_options: dict[str, frozenset[str]] = {}
    examples: list[str] = []
    grammars: dict[str, Grammar] = {}
    for f in files:
        grammars.update(compile_grammars(f.grammars))
        for spec in f.rules:
            specs[spec.id] = spec  # a later file overrides a rule with the same id
        for prog, opts in f.programs.items():
            value_options[prog] = value_options.get(prog, frozenset()) | frozenset(opts)
        examples.extend(f.examples)
    for spec in specs.values():
        if spec.autonomy is Autonomy.PREAPPROVE and spec.decision is not Decision.CONFIRM:
            raise PolicyError(f"rule {spec.id}: autonomy: preapprove is for confirm rules only")
    for spec in specs.values():  # concrete files the credential globs stand for
        if spec.decision is Decision.BLOCK:
            for pattern in spec.reads:
                examples.extend(e for e in concrete_examples(pattern) if e not in examples)
    by_name: dict[str, list[Rule]] = {}
    globbed: list[tuple[re.Pattern[str], Rule]] = []
    generic: list[Rule] = []
    for spec in specs.values():
        rule = compile_rule(spec)
        if "*" in spec.commands:
            generic.append(rule)
            continue
        for name in spec.commands:
            if any(c in name for c in "*?["):
                globbed.append((lazy_compile(fnmatch.translate(name)), rule))
            else:
                by_name.setdefault(name, []).append(rule)
    known = frozenset(by_name) | frozenset(value_options)
    return RuleSet(
        {k: tuple(v) for k, v in by_name.items()},
        tuple(globbed),
        tuple(generic),
        value_options,
        tuple(examples),
        known,
        ProgramTable(grammars),
    )
