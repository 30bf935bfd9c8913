"""Limits that keep the checker bounded on hostile input.

A command line is refused before or while it is judged when it is too long
(`input.too_long`), holds NUL or terminal control bytes (`input.control`), nests deeper
than the walker may recurse (`input.too_deep`), would cost more work than one command
may (`input.budget`) or expands into more than a command may touch (`input.expansion`: brace
expansion `{a,b}{a,b}…` doubling per group, path globs fanning out per wildcard level, summed
over the line — an estimate, so the shell's work is bounded before it starts). Every limit
is a cheap counter (characters, syntax nodes, nesting levels, simple commands judged,
estimated words), never a clock: the same input always gets the same answer.
"""

from __future__ import annotations

import re
import unicodedata

import tree_sitter

MAX_CHARS = 64 * 1024  # a config file written by a heredoc (write_file) fits; 1 MB does not
MAX_WORD = 4 * 1024  # one argument outside a heredoc body: a blob to hide something in
MAX_NODES = 40_000  # syntax-tree nodes of one parse
MAX_TREE_DEPTH = 120  # nesting levels of one parse (`(`, `$(`, `&&` chains, `if`…)
MAX_EXPANSION = 100_000  # words that brace expansion and globs may produce for one line
GLOB_FANOUT = 8  # guessed entries per wildcard directory level (`/tmp/*/*/*` ≈ 8³ paths)
MAX_COMMANDS = 1_500  # simple commands judged for one line, nested scripts and guesses included
MAX_ARGUMENTS = 2_000  # arguments on one line (heredoc bodies aside): a wall of words hides a part
# C0 controls except TAB, LF and CR, plus DEL: NUL truncates the line for the shell (what
# was checked would not be what runs) and escapes rewrite what a person sees when approving
# Unicode bidirectional overrides reorder what a person reads (`ls \u202e;fdr- mr`)
# A carriage return not ending a line (`echo ok\rrm -rf /srv` shows as `rm -rf /srv`) too.
_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069\u200e\u200f]|\r(?!\n)")


def input_problem(source: str) -> str | None:
    """The limit a raw command line breaks before parsing (a reason id), or None."""
    if len(source) > MAX_CHARS:
        return "input.too_long"
    if _CONTROL.search(source):
        return "input.control"
    return None


_WORDS = frozenset(["word", "raw_string", "string", "concatenation", "ansi_c_string"])


def tree_problem(root: tree_sitter.Node) -> str | None:
    """The limit a parsed tree breaks (a reason id), or None. Walks iteratively."""
    count = root.descendant_count
    if count > MAX_NODES:
        return "input.budget"
    if root.end_byte - root.start_byte > MAX_WORD and _long_word(root):
        return "input.too_long"
    if count > MAX_ARGUMENTS and _words(root) > MAX_ARGUMENTS:
        return "input.too_long"
    if _expansion(root) > MAX_EXPANSION:
        return "input.expansion"
    if count <= MAX_TREE_DEPTH:
        return None  # fewer nodes than levels allowed: it cannot be too deep
    cursor = root.walk()
    depth = deepest = 0
    while True:
        if cursor.goto_first_child():
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_TREE_DEPTH:
                    return "input.too_deep"
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return None
            depth -= 1


class Budget:
    """Simple commands judged so far for one command line."""

    __slots__ = ("spent",)

    def __init__(self) -> None:
        self.spent = 0

    def spend(self, n: int = 1) -> bool:
        """Count `n` more units; False once the budget is exhausted."""
        self.spent += n
        return self.spent <= MAX_COMMANDS


def _long_word(root: tree_sitter.Node) -> bool:
    """An argument longer than MAX_WORD outside heredoc bodies (file content is data)."""
    stack = [root]
    while stack:
        node = stack.pop()
        if node.end_byte - node.start_byte <= MAX_WORD or node.type == "heredoc_body":
            continue
        if node.type in _WORDS:
            return True
        stack.extend(node.children)
    return False


def _words(root: tree_sitter.Node) -> int:
    """Arguments on the line: shell words outside command names and heredoc bodies."""
    total = 0
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type in _WORDS:
            total += 1
        elif node.type not in ("heredoc_body", "command_name"):
            stack.extend(node.children)
    return total


_BRACE_GROUP = re.compile(r"(?<!\$)\{([^{}\s]*)\}")
_SEQUENCE = re.compile(r"^(-?\d+|[A-Za-z])\.\.(-?\d+|[A-Za-z])(?:\.\.-?\d+)?$")


def _word_size(text: str) -> int:
    """Words one unquoted shell word expands into: brace groups multiply, each wildcard path
    level multiplies by GLOB_FANOUT (`**` by its cube)."""
    size = 1
    for m in _BRACE_GROUP.finditer(text):
        body = m.group(1)
        seq = _SEQUENCE.match(body)
        if seq is not None:
            a, b = seq.group(1), seq.group(2)
            lo, hi = (
                (int(a), int(b))
                if a.lstrip("-").isdigit() and b.lstrip("-").isdigit()
                else (ord(a), ord(b))
            )
            size *= abs(hi - lo) + 1
        elif "," in body:
            size *= body.count(",") + 1
        if size > MAX_EXPANSION:
            return size
    for segment in text.split("/"):
        if segment == "**":
            size *= GLOB_FANOUT**3
        elif any(c in segment for c in "*?["):
            size *= GLOB_FANOUT
        if size > MAX_EXPANSION:
            return size
    return size


def _expansion(root: tree_sitter.Node) -> int:
    """Estimated words the line's unquoted words expand into (quoted text does not expand)."""
    source = root.text or b""
    if not any(c in source for c in (b"{", b"*", b"?", b"[")):
        return 0  # nothing on the line can expand: no walk
    total = 0
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type in ("word", "concatenation", "brace_expression"):
            text = (node.text or b"").decode("utf-8", "replace")
            if "{" in text or any(c in text for c in "*?["):
                total += _word_size(text)
                if total > MAX_EXPANSION:
                    return total
            continue
        if node.type in ("raw_string", "string", "heredoc_body", "comment", "ansi_c_string"):
            continue
        stack.extend(node.children)
    return total


_LOOKALIKE_SCRIPTS = ("CYRILLIC", "GREEK", "FULLWIDTH", "ARMENIAN", "CHEROKEE")


def confusable_path(value: str) -> bool:
    """A path segment that mixes Latin letters with look-alikes of other scripts
    (`/etc/ѕhadow` with a Cyrillic `ѕ`): it names a file other than the one it shows. A
    segment written wholly in one script (`/srv/отчёты`) is an ordinary name. Invisible
    format characters (zero-width space, joiners, BOM) in a path hide the same way."""
    if value.isascii() or "/" not in value:
        return False
    if any(unicodedata.category(c) == "Cf" for c in value):
        return True  # an invisible character (`rm -rf /\u200b`): the path shown is not the one used
    for segment in value.split("/"):
        if segment.isascii():
            continue
        if any(unicodedata.name(c, "").startswith("FULLWIDTH") for c in segment):
            return True
        # one word mixes the scripts (`ѕhadow`); a Cyrillic name with a Latin extension
        # (`отчёт.txt`, `ошибки_2024.log`) is two words, each in one script
        for word in _LETTERS.findall(segment):
            latin = any(c.isascii() for c in word)
            other = any(
                not c.isascii() and unicodedata.name(c, "").startswith(_LOOKALIKE_SCRIPTS)
                for c in word
            )
            if latin and other:
                return True
    return False


_LETTERS = re.compile(r"[^\W\d_]+")  # a run of letters
