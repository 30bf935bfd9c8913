"""The YAML schema of the argument grammars (pydantic), imported only when grammars are
loaded: validation needs pydantic, deciding a command does not. Rule files are validated
against their own dataclasses (`rules.RuleFile`), which have no second definition here."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shturman.policy.grammar import Style


class SpecModel(BaseModel):
    """One program (or subcommand) grammar as written in YAML."""

    model_config = ConfigDict(extra="forbid")

    opts: str = ""
    style: Style = "gnu"
    operands: int | Literal["any", "none"] = "any"
    match: list[str] = Field(default_factory=list)  # every operand matches one glob
    deny: list[str] = Field(default_factory=list)  # no operand matches any glob
    sub: dict[str, SpecModel | str | None] = Field(default_factory=dict)
    order: str = ""  # every verb in the program's own matching order (prefix style)
    verbs: str = ""  # known verbs that are not read-only, with their class (`stop!c`)
    bare: bool = True  # allowed without a subcommand
    inherit: bool = True  # the parent's options are accepted after the subcommand too
    rest: bool = False  # the first operand starts a command (or data) not parsed here
    numeric: bool = False  # `-20` is a count (head, tail)
    permute: bool = True  # options after operands are options (getopt_long)
    abbrev: bool = True  # unambiguous long-option prefixes (getopt_long)
    check: str | None = None  # a code checker for scripts and option combinations
    dynamic: bool = False  # run-time words may stand where an option could
    require: str = ""  # one of these options must be given (here or before a subcommand)
    unmet: str = "c"  # the class of a missing `require`
    free: bool = False  # the program prints or ignores its arguments whatever they are
    bundled: bool = False  # tar: a first word without a dash is a cluster of short options
    # options naming a configuration the program loads (`nginx -c FILE`, `-g DIRECTIVES`):
    # option -> the system places its value may name (a directory covers what is under
    # it; a word without `/` is an exact value); an empty list: never without a human
    config: dict[str, list[str]] = Field(default_factory=dict)


class GrammarFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = 1
    programs: dict[str, SpecModel | str] = Field(default_factory=dict)
    version_only: list[str] = Field(default_factory=list)
