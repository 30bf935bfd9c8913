"""Argument grammars: a read-only program is allowed only with arguments its grammar knows.

An `allow` rule says which programs are read-only; the grammar of each says which options
and operands keep them so (`rules/grammars.yaml`). Anything the grammar does not know —
an option, a subcommand, a value, an extra operand — turns the allow into a confirm.

Options are parsed as the program parses them, once, from the argv the shell would pass:
combined short flags (`-tlnp`), attached values (`-n5`, `-ofile`, `--lines=5`), options
after operands, `--` ending options, unambiguous long-option prefixes (`--outp`) the way
getopt_long resolves them, global options before a subcommand (`git -C dir log`), and
iproute2-style abbreviations resolved in the program's own order (`ip r r` is `route
replace`, `ip a` is `address show`).

Spec tokens in the YAML (`opts:` strings, whitespace separated):
  -abc            short flags a, b, c (gnu style); `-name` is one word in single style
  -n= / --lines=  takes a value (`-n5`, `-n 5`, `--lines=5`, `--lines 5`)
  --color?=       an optional value, attached only (`--color`, `--color=never`)
  =a|b|c          the value must be one of these
  -o,--output=    synonyms (the first is the canonical name checkers see)
  ...!w !x !c !i  a known option that writes files / runs code / changes state /
                  is interactive: rejected with a reason naming the class

A config tester (`nginx -t`, `apachectl -t`, `haproxy -c`) is read-only with the system's
own configuration only: a configuration file given on the command line can load modules
(`load_module`, `LoadModule`, `lua-load`) and so run code, and an injected directive
(`nginx -g`, `apachectl -C`) can do the same. `config:` names those options and the system
places their values may point at (`Grammar.config`); anything else needs a human.
"""

from __future__ import annotations

import fnmatch
import pickle
import posixpath
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from shturman.domain.errors import PolicyError
from shturman.policy.checkers import CHECKERS, Parsed, Rejection
from shturman.policy.compiled import lazy_compile
from shturman.policy.shell import Word

if TYPE_CHECKING:
    from shturman.policy.schema import SpecModel

DEFAULT_GRAMMARS = Path(__file__).parent / "rules" / "grammars.yaml"
DENY_CLASSES = {
    "w": "grammar.writes_file",
    "x": "grammar.runs_code",
    "c": "grammar.changes_state",
    "i": "grammar.interactive",
    "s": "grammar.secret_output",
    "u": "grammar.unbounded",
    "o": "grammar.unknown_option",
}
VERSION_ARGS = frozenset(["--version", "-V", "--help", "-h", "-version", "version", "help"])
Style = Literal["gnu", "single", "prefix", "find"]


@dataclass(frozen=True, slots=True)
class Option:
    name: str  # canonical name
    takes: int  # 0 flag, 1 value (attached or next word), 2 optional value (attached only)
    values: frozenset[str] | None = None
    deny: str | None = None  # rejection reason id


@dataclass(slots=True)
class Grammar:
    name: str
    style: Style
    short: dict[str, Option]
    long: dict[str, Option]
    ordered: tuple[tuple[str, Option], ...]  # prefix style: every option word in order
    operands: int | None  # max count; None = any
    match: re.Pattern[str] | None
    deny: re.Pattern[str] | None
    subs: dict[str, Grammar | None]  # None: a known verb that is not read-only
    sub_deny: dict[str, str]
    sub_order: tuple[str, ...]
    bare: bool
    rest: bool
    numeric: bool
    permute: bool
    abbrev: bool
    check: str | None
    dynamic: bool
    require: frozenset[str]
    unmet: str
    free: bool
    bundled: bool
    long_names: tuple[str, ...] = ()
    config: tuple[tuple[str, tuple[str, ...]], ...] = ()  # canonical option -> places


def _parse_token(token: str) -> tuple[list[str], int, frozenset[str] | None, str | None]:
    deny = None
    if "!" in token and token[-2] == "!":
        deny = DENY_CLASSES[token[-1]]
        token = token[:-2]
    takes = 0
    values: frozenset[str] | None = None
    head = token
    if "?=" in token:
        head, tail = token.split("?=", 1)
        takes = 2
        values = frozenset(tail.split("|")) if tail else None
    elif "=" in token[1:]:
        cut = token.index("=", 1)
        head, tail = token[:cut], token[cut + 1 :]
        takes = 1
        values = frozenset(tail.split("|")) if tail else None
    return head.split(","), takes, values, deny


def _options(
    spec: str, style: Style
) -> tuple[dict[str, Option], dict[str, Option], list[tuple[str, Option]]]:
    short: dict[str, Option] = {}
    long: dict[str, Option] = {}
    ordered: list[tuple[str, Option]] = []
    for token in spec.split():
        names, takes, values, deny = _parse_token(token)
        canon = names[0]
        for n in names:
            opt = Option(canon, takes, values, deny)
            if style in ("gnu",) and n.startswith("-") and not n.startswith("--"):
                letters = n[1:]
                if takes and len(letters) != 1:
                    raise PolicyError(f"grammar: {token}: a value option is one letter")
                for ch in letters:
                    short[ch] = Option(canon if takes else f"-{ch}", takes, values, deny)
            else:
                long[n] = opt
                ordered.append((n, opt))
    return short, long, ordered


def _canonical(names: str, short: dict[str, Option], long: dict[str, Option]) -> list[str]:
    found = []
    for n in names.split():
        opt = long.get(n) or (short.get(n[1]) if len(n) == 2 and n[0] == "-" else None)
        if opt is None:
            raise PolicyError(f"grammar: required option {n} is not defined")
        found.append(opt.name)
    return found


def _config_places(
    spec: dict[str, list[str]],
    short: dict[str, Option],
    long: dict[str, Option],
    parent: Grammar | None,
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    places = dict(parent.config) if parent is not None else {}
    for names, allowed in spec.items():
        for canon in _canonical(names, short, long):
            places[canon] = tuple(posixpath.normpath(a) if "/" in a else a for a in allowed)
    return tuple(places.items())


def _config_check(
    g: Grammar, args: Sequence[Word], options: Sequence[tuple[str, str]]
) -> Rejection | None:
    """An option that loads a configuration other than the system's own."""
    computed = next((w for w in args if not w.literal), None)
    if computed is not None:  # `nginx -t -c "$CONF"`: which file is known at run time only
        return Rejection("grammar.config_source", computed.raw)
    places = dict(g.config)
    for name, value in options:
        allowed = places.get(name)
        if allowed is None or _system_place(value, allowed):
            continue
        return Rejection("grammar.config_source", f"{name} {value}".strip())
    return None


def _system_place(value: str, allowed: tuple[str, ...]) -> bool:
    if value in allowed and "/" not in value:
        return True  # an exact word (`-e stderr`)
    if not value.startswith("/") or any(c in value for c in "*?[$`\\"):
        return False  # relative to a prefix the policy does not know, or computed
    norm = posixpath.normpath(value)
    return any(norm == a or norm.startswith(a.rstrip("/") + "/") for a in allowed if "/" in a)


def _glob_rx(globs: Sequence[str]) -> re.Pattern[str] | None:
    if not globs:
        return None
    return lazy_compile("|".join(f"(?:{fnmatch.translate(g)})" for g in globs), re.S)


def compile_spec(name: str, spec: SpecModel | str | None, parent: Grammar | None = None) -> Grammar:
    if spec is None or isinstance(spec, str):
        from shturman.policy.schema import SpecModel

        spec = SpecModel(opts=spec or "")
    short, long, ordered = _options(spec.opts, spec.style)
    if parent is not None and spec.inherit:
        short = {**parent.short, **short}
        long = {**parent.long, **long}
        ordered = ordered + [o for o in parent.ordered if o[0] not in long]
    g = Grammar(
        name=name,
        style=spec.style,
        short=short,
        long=long,
        ordered=tuple(ordered),
        operands=None
        if spec.operands == "any"
        else 0
        if spec.operands == "none"
        else int(spec.operands),
        match=_glob_rx(spec.match),
        deny=_glob_rx(spec.deny),
        subs={},
        sub_deny={},
        sub_order=tuple(spec.order.split()),
        bare=spec.bare,
        rest=spec.rest,
        numeric=spec.numeric,
        permute=spec.permute,
        abbrev=spec.abbrev,
        check=spec.check,
        dynamic=spec.dynamic,
        require=frozenset(_canonical(spec.require, short, long)),
        unmet=DENY_CLASSES[spec.unmet],
        free=spec.free,
        bundled=spec.bundled,
        long_names=tuple(sorted(long)),
        config=_config_places(spec.config, short, long, parent if spec.inherit else None),
    )
    if spec.check is not None and spec.check not in CHECKERS:
        raise PolicyError(f"grammar {name}: unknown checker {spec.check}")
    for verb, sub in spec.sub.items():
        for v in verb.split():
            g.subs[v] = compile_spec(f"{name} {v}", sub, g)
    for token in spec.verbs.split():
        v, _, cls = token.partition("!")
        g.sub_deny[v] = DENY_CLASSES.get(cls, "grammar.changes_state")
        g.subs.setdefault(v, None)
    return g


class _Programs(Mapping[str, Grammar]):
    """A program table whose lookups are all `get` (each subclass loads grammars its way)."""

    __slots__ = ()

    def __getitem__(self, name: str) -> Grammar:
        g = self.get(name)
        if g is None:
            raise KeyError(name)
        return g


class ProgramTable(_Programs):
    """Program name → its grammar. From the compiled-rules cache each program's grammar
    is a pickle of its own, rebuilt on first use: a process that judges a few programs
    does not unpickle the grammars of all ~450 (most of what a cached load cost)."""

    __slots__ = ("_blobs", "_built")

    def __init__(self, built: dict[str, Grammar], blobs: dict[str, bytes] | None = None) -> None:
        self._built = built  # every grammar (compiled now), or those rebuilt so far
        self._blobs = blobs or {}  # from the cache: every program, pickled; never changes

    def get(self, name: str, default: Grammar | None = None) -> Grammar | None:  # type: ignore[override]
        g = self._built.get(name)
        if g is None:
            blob = self._blobs.get(name)
            if blob is None:
                return default
            # our own private cache file (compiled.cached); two threads may both rebuild it
            g = self._built[name] = pickle.loads(blob)
        return g

    def __contains__(self, name: object) -> bool:
        return name in self._built or name in self._blobs

    def __iter__(self) -> Iterator[str]:
        return iter(self._blobs or self._built)  # the one that lists every program

    def __len__(self) -> int:
        return len(self._blobs or self._built)

    def __reduce__(self) -> tuple[type[ProgramTable], tuple[dict[str, Grammar], dict[str, bytes]]]:
        blobs = self._blobs or {
            n: pickle.dumps(g, protocol=pickle.HIGHEST_PROTOCOL) for n, g in self._built.items()
        }
        return (ProgramTable, ({}, blobs))


class LayeredPrograms(_Programs):
    """The rule files' own grammars over the built-in ones, looked up per name: merging the
    two into one dict would unpickle every grammar of both at start-up."""

    __slots__ = ("_base", "_top")

    def __init__(self, base: Mapping[str, Grammar], top: Mapping[str, Grammar]) -> None:
        self._base = base
        self._top = top

    def get(self, name: str, default: Grammar | None = None) -> Grammar | None:  # type: ignore[override]
        g = self._top.get(name)
        return g if g is not None else self._base.get(name, default)

    def __contains__(self, name: object) -> bool:
        return name in self._top or name in self._base

    def __iter__(self) -> Iterator[str]:
        yield from self._top
        yield from (n for n in self._base if n not in self._top)

    def __len__(self) -> int:
        return sum(1 for _ in self)


@dataclass(frozen=True, slots=True)
class Grammars:
    programs: Mapping[str, Grammar]
    version_only: frozenset[str]

    def get(self, name: str) -> Grammar | None:
        return self.programs.get(name)

    def value_options(self, name: str) -> frozenset[str]:
        """Top-level options that take a value (so rules find subcommands after them)."""
        g = self.programs.get(name)
        if g is None:
            return frozenset()
        found = {f"-{c}" for c, o in g.short.items() if o.takes == 1}
        found |= {n for n, o in g.long.items() if o.takes == 1}
        return frozenset(found)

    def check(self, name: str, args: Sequence[Word], known: bool = False) -> Rejection | None:
        """None when the grammar of `name` accepts every argument; else why not."""
        g = self.programs.get(name)
        if g is None:
            if (known or name in self.version_only) and (
                len(args) == 1 and args[0].value in VERSION_ARGS
            ):
                return None
            return Rejection("grammar.unknown_program", name)
        if len(args) == 1 and args[0].value in ("--help", "--version") and args[0].value in g.long:
            return None  # `tar --help`: a lone help/version option the program knows prints text
        if g.bundled and args and args[0].value[:1].isalpha():
            first = args[0]
            args = [Word("-" + first.value, first.raw, first.literal), *args[1:]]
        return parse(g, list(args), ())


def _resolve_sub(g: Grammar, word: str) -> tuple[str | None, Grammar | None]:
    if word in g.subs:
        return word, g.subs[word]
    for verb in g.sub_order:  # iproute2: the first verb the word is a prefix of
        if verb.startswith(word):
            return verb, g.subs.get(verb)
    return None, None


def _long(g: Grammar, key: str) -> Option | None:
    opt = g.long.get(key)
    if opt is not None or not g.abbrev or g.style != "gnu":
        return opt
    hits = [n for n in g.long_names if n.startswith(key)]
    if not hits:
        return None
    targets = {g.long[n].name for n in hits}
    if len(targets) == 1:
        return g.long[hits[0]]
    if any(g.long[n].deny for n in hits):
        return g.long[next(n for n in hits if g.long[n].deny)]
    return None  # ambiguous: the program refuses it


def _ordered(g: Grammar, word: str) -> Option | None:
    opt = g.long.get(word)
    if opt is not None:
        return opt
    if word.startswith("--"):
        word = word[1:]
    for name, o in g.ordered:  # iproute2: the first option the word is a prefix of
        if name.startswith(word) and len(word) > 1:
            return o
    return None


def _value_ok(opt: Option, value: str) -> bool:
    return opt.values is None or value in opt.values


def _could_be_option(w: Word) -> bool:
    if w.literal:
        return False
    raw = w.raw.lstrip("\"'")
    return raw.startswith(("$", "`")) and not w.value.startswith(("/", "~", "."))


def parse(g: Grammar, args: list[Word], before: tuple[str, ...]) -> Rejection | None:
    """Walk `args` through grammar `g` (and its subcommands); `before` names the options
    given before the subcommand that led here."""
    if g.free:
        return None
    out = Parsed()
    i = 0
    n = len(args)
    ended = False
    while i < n:
        w = args[i]
        a = w.value
        i += 1
        if not ended and not g.dynamic and _could_be_option(w):
            return Rejection("grammar.dynamic_argument", w.raw)
        if ended or a == "-" or not a.startswith("-") or (g.style == "find" and a in ("-", "!")):
            if not out.operands and g.subs and not ended:
                verb, sub = _resolve_sub(g, a)
                if verb is None:
                    return Rejection("grammar.unknown_subcommand", f"{g.name} {a}")
                if sub is None:
                    return Rejection(
                        g.sub_deny.get(verb, "grammar.unknown_subcommand"), f"{g.name} {a}"
                    )
                if g.config:  # `postfix -c DIR check`: options given before the verb
                    bad = _config_check(g, args[:i], out.options)
                    if bad is not None:
                        return bad
                return parse(sub, args[i:], before + tuple(n for n, _ in out.options))
            out.operands.append(w)
            if g.rest:
                break
            if not g.permute:
                ended = True
            continue
        if a == "--" and g.style != "find":
            ended = True
            continue
        if g.style == "gnu":
            bad, i = _gnu_option(g, args, i, a, out)
        else:
            bad, i = _word_option(g, args, i, a, out)
        if bad is not None:
            return bad
    if g.subs and not g.bare and not out.operands:
        return Rejection("grammar.unknown_subcommand", f"{g.name} (none)")
    if g.operands is not None and len(out.operands) > g.operands:
        extra = out.operands[g.operands]
        return Rejection("grammar.operand", extra.value)
    for w in out.operands:
        if g.match is not None and not g.match.fullmatch(w.value):
            return Rejection("grammar.operand", w.value)
        if g.deny is not None and g.deny.fullmatch(w.value):
            return Rejection("grammar.operand", w.value)
    if g.require and not (g.require & ({n for n, _ in out.options} | set(before))):
        return Rejection(g.unmet, g.name)  # not "--dry-run writes": that option is missing
    if g.config:
        bad = _config_check(g, args, out.options)
        if bad is not None:
            return bad
    if g.check is not None:
        return CHECKERS[g.check](out)
    return None


def _gnu_option(
    g: Grammar, args: list[Word], i: int, a: str, out: Parsed
) -> tuple[Rejection | None, int]:
    if a.startswith("--"):
        key, eq, value = a.partition("=")
        opt = _long(g, key)
        if opt is None:
            return Rejection("grammar.unknown_option", a), i
        if opt.deny and (opt.takes != 2 or eq):
            return Rejection(opt.deny, a), i
        if opt.takes == 0 and eq:
            return Rejection("grammar.bad_value", a), i
        if opt.takes == 1 and not eq and i < len(args):
            value = args[i].value
            i += 1
        if opt.takes and (eq or opt.takes == 1) and not _value_ok(opt, value):
            return Rejection("grammar.bad_value", a if eq else f"{a} {value}"), i
        out.options.append((opt.name, value))
        return None, i
    if g.numeric and a[1:].isdigit():
        out.options.append(("-#", a[1:]))
        return None, i
    j = 1
    while j < len(a):
        opt = g.short.get(a[j])
        if opt is None:
            return Rejection("grammar.unknown_option", a if len(a) == 2 else f"-{a[j]} ({a})"), i
        if opt.deny:
            return Rejection(opt.deny, a), i
        if opt.takes:
            value = a[j + 1 :]
            if not value and opt.takes == 1 and i < len(args):
                value = args[i].value
                i += 1
            if value.startswith("=") and len(a) > j + 1:
                value = value[1:]  # cobra/pflag: -n=prod
            if not _value_ok(opt, value):
                return Rejection("grammar.bad_value", f"{a} {value}".strip()), i
            out.options.append((opt.name, value))
            return None, i
        out.options.append((opt.name, ""))
        j += 1
    return None, i


def _word_option(
    g: Grammar, args: list[Word], i: int, a: str, out: Parsed
) -> tuple[Rejection | None, int]:
    key, eq, value = a.partition("=") if a.startswith("--") or g.style == "prefix" else (a, "", "")
    opt = _ordered(g, key) if g.style == "prefix" else g.long.get(key)
    if opt is None and g.style == "single" and "=" in a:  # Go's flags: `-format=json`
        key, eq, value = a.partition("=")
        opt = g.long.get(key)
        if opt is not None and not opt.takes:
            return Rejection("grammar.bad_value", a), i
    if opt is None and g.numeric and a[1:].isdigit():
        out.options.append(("-#", a[1:]))
        return None, i
    if opt is None:
        return Rejection("grammar.unknown_option", a), i
    if opt.deny and (opt.takes != 2 or eq):
        return Rejection(opt.deny, a), i
    if g.style == "find" and opt.name in ("-exec", "-execdir"):
        # the command it runs is judged on its own (unwrap); skip to the terminator
        while i < len(args) and args[i].value not in (";", "+"):
            i += 1
        out.options.append((opt.name, ""))
        return None, i + 1
    if opt.takes == 1 and not eq and i < len(args):
        value = args[i].value
        i += 1
    if opt.takes and not _value_ok(opt, value):
        return Rejection("grammar.bad_value", f"{a} {value}"), i
    out.options.append((opt.name, value))
    return None, i


@lru_cache(maxsize=4)
def load(path: Path = DEFAULT_GRAMMARS) -> Grammars:
    from shturman.policy.compiled import cached

    return cached("grammars", (path,), lambda: _load(path), Grammars)


def _load(path: Path) -> Grammars:
    # pydantic is imported here, not at module load: `import shturman.policy` stays light
    import yaml  # only when the compiled-rules cache misses
    from pydantic import ValidationError

    from shturman.policy.schema import GrammarFile

    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {}
        gf = GrammarFile.model_validate(data)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise PolicyError(f"{path}: {exc}") from exc
    return Grammars(ProgramTable(_compile_all(gf.programs)), frozenset(gf.version_only))


def compile_grammars(programs: dict[str, object]) -> dict[str, Grammar]:
    """Grammars a rule file brings for its own programs (`grammars:`, validated there)."""
    if not programs:
        return {}
    from shturman.policy.schema import GrammarFile

    return _compile_all(GrammarFile.model_validate({"programs": programs}).programs)


def _compile_all(programs: dict[str, SpecModel | str]) -> dict[str, Grammar]:
    out: dict[str, Grammar] = {}
    for names, spec in programs.items():
        for name in names.split():
            out[name] = compile_spec(name, spec)
    return out
