"""Tokens of a request: normalised case, script, transliteration, Russian endings on Latin names.

Each word token carries `norm` (lower case, ё→е, look-alike letters fixed) and `alt`, the same
word in the other script ("chto" → "что", "вм1" → "vm1", "нгинкс" → "nginx"), so that
transliterated Russian and Cyrillic spellings of Latin names meet the same vocabulary.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum


class Kind(StrEnum):
    WORD = "word"
    NUMBER = "number"  # 8080, 1-й
    PORT = "port"  # :443
    PATH = "path"  # /var/log, /api
    FLAG = "flag"  # -h, --no-pager


class Script(StrEnum):
    CYRILLIC = "cyrillic"
    LATIN = "latin"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class Token:
    raw: str  # as typed, without a Russian ending glued to a Latin name
    norm: str
    kind: Kind
    script: Script
    alt: str = ""
    number: int | None = None
    suffix: str = ""  # the ending of a number written "1-й", "2-ом"
    clause: int = 0  # which clause of the text (split at , ; ? ! and a sentence's end) it is in


_CONTRACTIONS = (
    (re.compile(r"(?i)\bcan[’']t\b"), "can not"),
    (re.compile(r"(?i)\bwon[’']t\b"), "will not"),
    (re.compile(r"(?i)n[’']t\b"), " not"),
    (re.compile(r"(?i)[’']s\b"), " is"),
    (re.compile(r"(?i)[’'](re|m|ll|ve|d)\b"), ""),
)
# nginx'а, nginx`ом, nginx-а, redis’у: a Russian case ending glued to a Latin name.
_GLUED_ENDING = re.compile(r"(?:(?<=[a-z0-9])[’'`ʼ]|(?<=[a-z])-)([а-яё]{1,3})\b", re.IGNORECASE)
_TOKEN = re.compile(
    r"(?P<url>(?:[a-z][a-z0-9+.-]*://[^\s]+)|(?<![\w.:/])[\w.-]+:\d{1,5}/[^\s]*)"
    r"|(?P<port>(?<![\w.:]):\d{1,5}\b)"
    r"|(?P<path>(?<![\w/])(?:~|\.{1,2})?/[\w./\-~*]*)"
    r"|(?P<flag>(?<![\w-])--?[a-z][\w-]*)"
    r"|(?P<num>\d+(?:-[а-яёa-z]{1,3})?(?![\w.]))"
    r"|(?P<word>[\w@]+(?:[.\-+][\w@]+)*)",
    re.IGNORECASE,
)
_CYR = re.compile(r"[а-я]")
_LAT = re.compile(r"[a-z]")
_LAT_TO_CYR_LOOKALIKE = str.maketrans("aeopcxykmt", "аеорсхукмт")
_CYR_TO_LAT_LOOKALIKE = str.maketrans("аеорсхукмт", "aeopcxykmt")

_LAT_TO_CYR = (
    ("shch", "щ"),
    ("sch", "щ"),
    ("zh", "ж"),
    ("kh", "х"),
    ("ch", "ч"),
    ("sh", "ш"),
    ("ts", "ц"),
    ("tz", "ц"),
    ("yu", "ю"),
    ("ya", "я"),
    ("yo", "е"),
    ("ye", "е"),
    ("ju", "ю"),
    ("ja", "я"),
    ("jo", "е"),
    ("iy", "ий"),
    ("yi", "ый"),
    ("ck", "к"),
    ("ph", "ф"),
    ("x", "кс"),
    ("a", "а"),
    ("b", "б"),
    ("c", "ц"),
    ("d", "д"),
    ("e", "е"),
    ("f", "ф"),
    ("g", "г"),
    ("h", "х"),
    ("i", "и"),
    ("j", "й"),
    ("k", "к"),
    ("l", "л"),
    ("m", "м"),
    ("n", "н"),
    ("o", "о"),
    ("p", "п"),
    ("q", "к"),
    ("r", "р"),
    ("s", "с"),
    ("t", "т"),
    ("u", "у"),
    ("v", "в"),
    ("w", "в"),
    ("z", "з"),
    ("'", "ь"),
)
_CYR_TO_LAT = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "й": "y",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "h",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "sch",
    "ъ": "",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "yu",
    "я": "ya",
}
_VOWELS_LAT = set("aeiou")


def to_cyrillic(word: str) -> str:
    """Read a Latin word as transliterated Russian: "pokazhi" → "покажи", "moy" → "мой"."""
    out: list[str] = []
    i = 0
    while i < len(word):
        ch = word[i]
        if ch == "y":
            prev_vowel = i > 0 and word[i - 1] in _VOWELS_LAT
            nxt = word[i + 1] if i + 1 < len(word) else ""
            if nxt in ("a", "u", "o", "e"):
                out.append({"a": "я", "u": "ю", "o": "е", "e": "е"}[nxt])
                i += 2
                continue
            out.append("й" if prev_vowel else "ы")
            i += 1
            continue
        if ch == "i" and i == len(word) - 1 and i > 0 and word[i - 1] in _VOWELS_LAT:
            out.append("й")  # "bazoi" → "базой", "dai" → "дай"
            i += 1
            continue
        for latin, cyrillic in _LAT_TO_CYR:
            if word.startswith(latin, i):
                out.append(cyrillic)
                i += len(latin)
                break
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def to_latin(word: str) -> str:
    """Spell a Cyrillic word in Latin letters: "нгинкс" → "nginx", "вм1" → "vm1"."""
    return "".join(_CYR_TO_LAT.get(ch, ch) for ch in word.replace("кс", "x"))


def script_of(word: str) -> Script:
    cyr = len(_CYR.findall(word))
    lat = len(_LAT.findall(word))
    if cyr == 0 and lat == 0:
        return Script.NONE
    return Script.CYRILLIC if cyr >= lat else Script.LATIN


def _fix_mixed(word: str) -> str:
    """Mixed-script words: drop a short Cyrillic ending after a Latin stem, else fix look-alikes."""
    cyr = len(_CYR.findall(word))
    lat = len(_LAT.findall(word))
    if not cyr or not lat:
        return word
    if "-" in word.strip("-"):  # "web-серверах": each part keeps its own script
        return "-".join(_fix_mixed(part) for part in word.split("-"))
    glued = re.fullmatch(r"([a-z0-9][a-z0-9.\-_]*?)([а-я]{1,3})", word)
    if glued:
        return glued.group(1).rstrip("-.")
    if cyr >= lat:
        return word.translate(_LAT_TO_CYR_LOOKALIKE)
    return word.translate(_CYR_TO_LAT_LOOKALIKE)


def normalise(text: str) -> str:
    out = text
    for pattern, replacement in _CONTRACTIONS:
        out = pattern.sub(replacement, out)
    return _GLUED_ENDING.sub("", out)


def _word_token(raw: str) -> Token:
    norm = _fix_mixed(raw.lower().replace("ё", "е"))
    if norm != raw.lower().replace("ё", "е") and len(norm) < len(raw):
        raw = raw[: len(norm)]
    script = script_of(norm)
    if script is Script.LATIN:
        alt = to_cyrillic(norm)
    elif script is Script.CYRILLIC:
        alt = to_latin(norm)
    else:
        alt = ""
    return Token(raw=raw, norm=norm, kind=Kind.WORD, script=script, alt=alt)


# what ends a clause: a comma, ";", "?", "!", "…", a dash between spaces, and "." or ":" before
# a space or the end ("host:vm1" and "10.0.0.1" are one token each)
_CLAUSE_END = re.compile(r"[,;?!…]|[.:](?=\s|$)|(?<=\s)[—–-](?=\s)")


def tokenize(text: str) -> tuple[Token, ...]:
    tokens: list[Token] = []
    normalised = normalise(text)
    clause, end = 0, 0
    for match in _TOKEN.finditer(normalised):
        kind = match.lastgroup
        value = match.group()
        stop = _CLAUSE_END.search(normalised, end)
        if tokens and stop is not None and stop.start() < match.start():
            clause += 1
        end = match.end()
        if kind == "word":
            tokens.append(replace(_word_token(value), clause=clause))
        elif kind == "num":
            digits, _, suffix = value.partition("-")
            tokens.append(
                Token(
                    value,
                    value.lower(),
                    Kind.NUMBER,
                    Script.NONE,
                    number=int(digits),
                    suffix=suffix.lower(),
                    clause=clause,
                )
            )
        elif kind == "port":
            tokens.append(Token(value, value, Kind.PORT, Script.NONE, number=int(value[1:]),
                                clause=clause))
        elif kind in ("path", "url"):
            tokens.append(Token(value, value.lower(), Kind.PATH, Script.NONE, clause=clause))
        else:
            tokens.append(Token(value, value.lower(), Kind.FLAG, Script.NONE, clause=clause))
    return tuple(tokens)


def is_question(text: str) -> bool:
    return "?" in text
