"""sed scripts, parsed the way GNU sed reads them: what a script prints, writes and runs.

Only a few commands reach outside the stream: `w FILE`/`W FILE` and the `s///w FILE` flag
write, `r FILE`/`R FILE` read, `e [COMMAND]` and the `s///e` flag run a shell. Finding them
takes a parser, not a search: in `s/new world/x/p` the `w` is replacement text, and a file
name after `w` runs to the end of the line, `;` and `}` included.
"""

from __future__ import annotations

from dataclasses import dataclass, field

_SIMPLE = frozenset("=dDgGhHnNpPxzF")  # no argument
_COUNTED = frozenset("lLqQ")  # an optional number
_LABELLED = frozenset(":btTv")  # a label (or version) up to `;` or the line end
_TEXT = frozenset("aic")  # text to the end of the line (GNU one-liners and `a\`)
_HARMLESS_FILES = frozenset(["/dev/stdout", "/dev/stderr"])


@dataclass(slots=True)
class SedScript:
    ok: bool = True  # every part was understood
    writes: list[str] = field(default_factory=list)
    reads: list[str] = field(default_factory=list)
    executes: bool = False

    @property
    def read_only(self) -> bool:
        """Understood, and it only prints and edits its stream."""
        return self.ok and not self.executes and not self.reads and not self.writes


def parse_sed(script: str) -> SedScript:
    out = SedScript()
    i, n = 0, len(script)
    while i < n:
        c = script[i]
        if c in " \t\n;":
            i += 1
            continue
        i = _address(script, i)
        if i < 0 or i >= n:
            out.ok = False
            return out
        i = _command(script, i, out)
        if i < 0:
            out.ok = False
            return out
    return out


def _command(s: str, i: int, out: SedScript) -> int:
    """Parse the command at `s[i]`; the index after it, or -1 when it is not understood."""
    c = s[i]
    i += 1
    if c in "{}":
        return i
    if c == "#":
        return _line_end(s, i)
    if c in _SIMPLE:
        return _end_of_command(s, i)
    if c in _COUNTED:
        i = _skip_blanks(s, i)
        while i < len(s) and s[i].isdigit():
            i += 1
        return _end_of_command(s, i)
    if c in _LABELLED:
        return min(_line_end(s, i), _semi_end(s, i))
    if c in _TEXT:
        return _line_end(s, i)
    if c in "wWrR":
        name = s[i : _line_end(s, i)].strip()
        if not name:
            return -1
        _file(out, "w" if c in "wW" else "r", name)
        return _line_end(s, i)
    if c == "e":
        out.executes = True
        return _line_end(s, i)
    if c == "y":
        end = _delimited(s, i, 3)
        return -1 if end < 0 else _end_of_command(s, end)
    if c == "s":
        end = _delimited(s, i, 3)
        return -1 if end < 0 else _subst_flags(s, end, out)
    return -1


def _subst_flags(s: str, i: int, out: SedScript) -> int:
    """Flags after the third delimiter: `g p i I m M e N` and a final `w FILE`."""
    while i < len(s) and s[i] in "gpiImMe0123456789":
        if s[i] == "e":
            out.executes = True
        i += 1
    if i < len(s) and s[i] == "w":
        name = s[i + 1 : _line_end(s, i)].strip()
        if not name:
            return -1
        _file(out, "w", name)
        return _line_end(s, i)
    return _end_of_command(s, i)


def _file(out: SedScript, kind: str, name: str) -> None:
    if kind == "w" and name not in _HARMLESS_FILES:
        out.writes.append(name)
    elif kind == "r":
        out.reads.append(name)


def _delimited(s: str, i: int, parts: int) -> int:
    """`s` and `y`: DELIM part DELIM part DELIM; the index after the last delimiter."""
    if i >= len(s) or s[i] in "\\\n":
        return -1
    delim = s[i]
    j = i + 1
    seen = 0
    while j < len(s):
        ch = s[j]
        if ch == "\\":
            j += 2
            continue
        if ch == delim:
            seen += 1
            if seen == parts - 1:
                return j + 1
        j += 1
    return -1


def _address(s: str, i: int) -> int:
    """Skip `ADDR[,ADDR][!]` (numbers, `first~step`, `$`, `/re/I`, `\\cREc`, `+N`, `~N`)."""
    j = _one_address(s, i)
    if j < 0:
        return -1
    if j > i:
        k = _skip_blanks(s, j)
        if k < len(s) and s[k] == ",":
            k = _skip_blanks(s, k + 1)
            if k < len(s) and s[k] in "+~":
                k += 1
                while k < len(s) and s[k].isdigit():
                    k += 1
                j = k
            else:
                j = _one_address(s, k)
                if j <= k:
                    return -1
        j = _skip_blanks(s, j)
        if j < len(s) and s[j] == "!":
            j = _skip_blanks(s, j + 1)
    return j


def _one_address(s: str, i: int) -> int:
    n = len(s)
    if i >= n:
        return i
    c = s[i]
    if c.isdigit():
        while i < n and s[i].isdigit():
            i += 1
        if i < n and s[i] == "~":
            i += 1
            while i < n and s[i].isdigit():
                i += 1
        return i
    if c == "$":
        return i + 1
    if c == "/" or c == "\\":
        delim = "/" if c == "/" else (s[i + 1] if i + 1 < n else "")
        if not delim or delim == "\n":
            return -1
        j = i + 1 if c == "/" else i + 2
        while j < n and s[j] != delim:
            if s[j] == "\n":
                return -1
            j += 2 if s[j] == "\\" else 1
        if j >= n:
            return -1
        j += 1
        while j < n and s[j] in "IM":
            j += 1
        return j
    return i


def _end_of_command(s: str, i: int) -> int:
    """After a command: blanks, then `;`, `}`, `#`, a newline or the end."""
    i = _skip_blanks(s, i)
    if i >= len(s) or s[i] in ";\n}#":
        return i
    return -1


def _skip_blanks(s: str, i: int) -> int:
    while i < len(s) and s[i] in " \t":
        i += 1
    return i


def _line_end(s: str, i: int) -> int:
    j = s.find("\n", i)
    return len(s) if j < 0 else j


def _semi_end(s: str, i: int) -> int:
    j = s.find(";", i)
    return len(s) if j < 0 else j
