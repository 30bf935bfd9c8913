"""Explicit commands: the user wrote out the shell command to run.

    «выполни `df -h` на проде»            quoted (backticks, "…", «…», '…', “…”)
    «выполни: systemctl restart nginx»    after a colon, to the end of the text
    «запусти команду ss -tlnp на базе»    after "команду"/"command", to the end of the text
    «выполни nginx -t»                    after «выполни»/«исполни», a Latin program name
    «команда для vm2: `uptime`»           "команда для"/"command for" a target, then the command
    «набери `ls -la /var/log`»           «набери»/«введи»/«сделай»/"type", a command in backticks

The command is kept exactly as typed; what is left of the request (`rest`) names the targets.
A command that runs to the end of the text may end with its target ("… на проде", "… on vm1"):
`cuts()` lists the ways to cut such a tail off, and the engine keeps a cut only when the tail
names servers and nothing else. Whether the command may run is the policy's business, never
this module's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# the verb that asks to run something, and the optional noun "команду"/"command" after it
_VERB = re.compile(
    r"(?<![\w-])(?P<verb>выполн\w*|исполн\w*|запуст\w*|прогон\w*|vypoln\w*|ispoln\w*|"
    r"zapust\w*|run|execute|exec|launch|"
    r"команда(?=\s+(?:для|на)\s)|command(?=\s+(?:for|on)\s))"
    r"(?P<noun>(?:\s+(?:the|this|a|following|эту|мне|следующую|пожалуйста|please|shell))*"
    r"\s+(?:команд[уаы]|command))?(?![\w-])",
    re.IGNORECASE,
)
# verbs that also start a *service* ("запусти nginx"): a quoted single word after them is a
# service name, not a command
_SERVICE_VERBS = re.compile(r"запуст|прогон|zapust|launch", re.IGNORECASE)
# verbs after which an unquoted Latin program name is a command («выполни uptime»)
_PLAIN_VERBS = re.compile(r"выполн|исполн|vypoln|ispoln", re.IGNORECASE)
_QUOTES = {"`": "`", '"': '"', "«": "»", "“": "”", "'": "'", "„": "“"}
_FENCE = re.compile(r"```(?:\w+\n)?(?P<body>.+?)```", re.DOTALL)
_BETWEEN = re.compile(r"[\s\w,.:!-]{0,40}", re.UNICODE)  # «выполни на проде `df -h`»
_PROGRAM = re.compile(r"(?:sudo\s+)?[a-z0-9_./~][\w.+/~-]*(?:\s|$)", re.IGNORECASE)
# a trailing target: "… на проде", "… on vm1", "… на обеих машинах"
_TAIL = re.compile(r"\s+(?:на|on|at|для|for|в|across)\s+", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Explicit:
    command: str
    rest: str  # the request without the command: it names the targets
    loose: bool = False  # the command runs to the end of the text (no closing quote)

    def cuts(self) -> Iterator[Explicit]:
        """A loose command with a possible target tail cut off, earliest cut first."""
        if not self.loose:
            return
        for found in _TAIL.finditer(self.command):
            head = self.command[: found.start()].strip()
            if head:
                yield Explicit(head, f"{self.rest} {self.command[found.start():]}")


_BACKTICKS = re.compile(r"`(?P<body>[^`]+)`")
# verbs that run what follows only when it is set as code: «набери `ls -la`», «сделай на проде
# `…`», "type `…`" (unquoted, «сделай бэкап» is a task, not a command line)
_CODE_VERB = re.compile(
    r"(?<![\w-])(?P<verb>набер\w*|набир\w*|введи\w*|вбей\w*|вбить|сделай\w*|nabery?|vvedi|"
    r"type|do)(?P<noun>)(?![\w-])",
    re.IGNORECASE,
)


def find(text: str) -> Explicit | None:
    """The explicit command in ``text``, or None when the user wrote none."""
    for verb in _VERB.finditer(text):
        found = _after(text, verb)
        if found is not None:
            return found
    # «`free -m` на базе выполни»: a command in backticks, the verb anywhere outside it
    code = _BACKTICKS.search(text)
    if code is not None:
        rest = text[: code.start()] + " " + text[code.end():]
        after = _VERB.search(rest) or _CODE_VERB.search(rest)
        if after is not None:
            return _explicit(code.group("body"), rest[: after.start()] + rest[after.end():])
    return None


def _after(text: str, verb: re.Match[str]) -> Explicit | None:
    start, end = verb.start(), verb.end()
    tail = text[end:]
    noun = bool(verb.group("noun"))
    fence = _FENCE.search(tail)
    if fence is not None and not tail[: fence.start()].strip(" :"):
        return _explicit(fence.group("body"), text[:start] + tail[fence.end():])
    quoted = _quoted(tail)
    if quoted is not None:
        body, before, after = quoted
        single_word = not re.search(r"\s", body)
        service_verb = bool(_SERVICE_VERBS.match(verb.group("verb")))
        if body and not (service_verb and single_word and not noun and before.strip() == ""
                         and tail[len(before)] != "`"):
            return _explicit(body, f"{text[:start]} {before} {after}")
    # «выполни: uptime», «выполни на vm1: ls -la»: what stands before the colon names targets
    colon = re.match(r"(?P<before>[^:`\"«“']{0,40}?)\s*:\s*(?P<body>\S.*)$", tail, re.DOTALL)
    if colon is not None and (not colon.group("before").strip()
                              or _PROGRAM.match(colon.group("body"))):
        return _explicit(colon.group("body"), f"{text[:start]} {colon.group('before')}",
                         loose=True)
    plain = re.match(r"\s+(?P<body>\S.*)$", tail, re.DOTALL)
    if plain is None:
        return None
    if noun or (_PLAIN_VERBS.match(verb.group("verb")) and _PROGRAM.match(plain.group("body"))):
        return _explicit(plain.group("body"), text[:start], loose=True)
    return None


def _quoted(tail: str) -> tuple[str, str, str] | None:
    """(body, text before the opening quote, text after the closing one)."""
    lead = _BETWEEN.match(tail)
    limit = lead.end() if lead else 0
    for index, char in enumerate(tail[: limit + 1]):
        close = _QUOTES.get(char)
        if close is None:
            continue
        stop = tail.find(close, index + 1)
        if stop < 0:
            return None
        return tail[index + 1 : stop].strip(), tail[:index], tail[stop + 1 :]
    return None


def _explicit(body: str, rest: str, *, loose: bool = False) -> Explicit | None:
    command = body.strip().rstrip("?!").strip() if loose else body.strip()
    if loose:
        command = re.sub(r"[.;,]$", "", command).strip()
    return Explicit(command, " ".join(rest.split()), loose) if command else None
