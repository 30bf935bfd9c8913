"""Argument grammars: table-driven cases and the grammar file's own consistency."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from shturman.policy import Policy, grammar
from shturman.policy.checkers import sed_script_ok
from shturman.policy.shell import Word

CASES = yaml.safe_load((Path(__file__).parent / "grammar_cases.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES, ids=[c["cmd"][:60] for c in CASES])
def test_grammar_case(policy: Policy, case: dict[str, str]) -> None:
    verdict = policy.check(case["cmd"])
    assert verdict.decision.value == case["decision"], (case, verdict.rule_ids)
    assert case["rule"] in verdict.rule_ids, (case, verdict.rule_ids)


def test_cases_cover_each_class() -> None:
    assert len(CASES) >= 100
    ids = {c["rule"] for c in CASES}
    for rule in (
        "grammar.writes_file",
        "grammar.runs_code",
        "grammar.changes_state",
        "grammar.unknown_option",
        "grammar.operand",
        "interp.stdin_code",
    ):
        assert rule in ids


def test_grammars_load_and_name_allowed_programs() -> None:
    g = grammar.load()
    assert {"ls", "sort", "git", "ip", "systemctl", "find", "sed", "awk"} <= set(g.programs)


def test_every_allowed_program_has_a_grammar() -> None:
    """An allow rule names a program only together with its grammar (or, for interpreters
    and clients whose only read-only use is printing their version, `version_only`); a
    program allowed by name alone would take any argument."""
    from shturman.domain.models import Decision
    from shturman.policy import rules

    g = grammar.load()
    programs = set(g.programs) | set(rules.load().grammars)  # the tool files bring their own
    missing = sorted(
        f"{spec.id}: {name}"
        for path in rules.builtin_files()
        for spec in rules.load_file(path).rules
        if spec.decision is Decision.ALLOW
        for name in spec.commands
        if name != "*"  # `version.query`: `PROG --version` only
        and not any(c in name for c in "*?[")  # globbed names fall to confirm: no grammar
        and name not in programs
        and name not in g.version_only
    )
    assert not missing, missing


def test_grammar_names_are_programs() -> None:
    """No placeholder names (`ldconfig-print`, `*-x`): a grammar is for a real program."""
    g = grammar.load()
    fake = [n for n in g.programs if n.endswith("-x") or n.startswith("-") or " " in n]
    assert not fake, fake


def test_allowed_by_name_without_grammar_asks(tmp_path: Path) -> None:
    extra = tmp_path / "site.yaml"
    extra.write_text(
        "rules:\n  - id: site.tool\n    decision: allow\n    commands: [sitetool]\n"
        "    en: ok\n    ru: ок\n",
        encoding="utf-8",
    )
    verdict = Policy.load([extra]).check_uncached("sitetool --purge-everything")
    assert verdict.decision.value == "confirm"
    assert verdict.rule_ids == ("grammar.unknown_program",)
    assert all(r.autonomy.value == "human" for r in verdict.reasons)
    # its version is still a harmless question
    assert Policy.load([extra]).check_uncached("sitetool --version").decision.value == "allow"


@pytest.mark.parametrize(
    ("script", "ok"),
    [
        ("1,20p", True),
        ("s/a/b/g", True),
        ("/x/d;$=", True),
        ("s/a/b/e", False),
        ("1e id", False),
        ("w /tmp/x", False),
        ("s/a/b/w /tmp/x", False),
        ("r /etc/x", False),
        ("y/abc/xyz/", True),
        ("{p;q}", True),
        ("v", True),  # GNU: fails unless sed is new enough; runs nothing
        ("s/new world/x/p", True),  # the `w` is replacement text
        ("s|a w|b|g;p", True),
        ("s/\\/w /x/", True),  # an escaped delimiter
        ("s/a/b/;w /tmp/x", False),
        ("s/a/b/gw /tmp/x", False),
        ("s/a/b/w /dev/stdout", True),
        ("s/a/b/ew", False),
        ("1,/re/{s/x/y/;p}", True),
        ("0~3d", True),
        ("$!N;P;D", True),
        ("/x/I,+2p", True),
        ("s/a/b/x", False),  # an unknown flag: not understood
        ("s/a/b", False),  # unterminated
        ("k", False),
    ],
)
def test_sed_scripts(script: str, ok: bool) -> None:
    assert sed_script_ok(script) is ok


@pytest.mark.parametrize(
    ("argv", "rejected"),
    [
        # the grammar alone, where a rule in default.yaml would also ask
        ("apt -o APT::Color=1 list", "grammar.runs_code"),
        ("apt-get install nginx", "grammar.changes_state"),
        ("apt-get -s install nginx", None),
        ("apt-cache -c /tmp/apt.conf policy nginx", "grammar.runs_code"),
        ("dpkg -i x.deb", "grammar.changes_state"),
        ("dpkg -l", None),
        ("rpm -i x.rpm", "grammar.changes_state"),
        ("rpm -qpl /tmp/pkg.rpm", None),
        ("dnf history undo 3", "grammar.changes_state"),
        ("dnf -q list installed", None),
        ("zypper lr -e /tmp/repos", "grammar.writes_file"),
        ("zypper se -i nginx", None),
        ("apk -U info", "grammar.changes_state"),
        ("pip --log /tmp/pip.log list", "grammar.writes_file"),
        ("pip install requests", "grammar.changes_state"),
        ("npm run build", "grammar.runs_code"),
        ("npm audit fix", "grammar.changes_state"),
        ("cargo run", "grammar.runs_code"),
        ("cargo tree -d --depth 1", None),
        ("gem install rails", "grammar.changes_state"),
        ("composer install", "grammar.changes_state"),
        ("composer show --installed", None),
        ("docker run -it alpine", "grammar.unknown_subcommand"),
        ("docker network create x", "grammar.unknown_subcommand"),
        ("kubectl delete pod x", "grammar.unknown_subcommand"),
        ("kubectl --token=abc get pods", "grammar.secret_output"),
        ("ssh -L 8080:localhost:80 web1", "grammar.changes_state"),
        ("ssh -o ProxyCommand=nc web1", "grammar.runs_code"),
        ("ssh -o StrictHostKeyChecking=no web1 uptime", None),
        ("parted --fix /dev/sdb print", "grammar.changes_state"),
        ("parted /dev/sdb mkpart p 1 2", "grammar.operand"),
        ("fdisk /dev/sda", "grammar.changes_state"),
        ("tune2fs -O ^has_journal /dev/sda1", "grammar.changes_state"),
        ("smartctl --smart=off /dev/sda", "grammar.changes_state"),
        ("smartctl -t long /dev/sda", "grammar.changes_state"),
        ("smartctl -x /dev/sda", None),
        ("ethtool -K eth0 tso off", "grammar.changes_state"),
        ("ethtool --change eth0 speed 100", "grammar.changes_state"),
        ("ethtool -S eth0", None),
        ("arp -d 10.0.0.1", "grammar.changes_state"),
        ("route add default gw 10.0.0.1", "grammar.operand"),
        ("ifconfig eth0 10.0.0.5 up", "grammar.operand"),
        ("timedatectl set-ntp false", "grammar.changes_state"),
        ("hostnamectl hostname newname", "grammar.operand"),
        ("resolvectl dns eth0 1.1.1.1", "grammar.operand"),
        ("loginctl terminate-user bob", "grammar.changes_state"),
        ("chronyc makestep", "grammar.changes_state"),
        ("chronyc", "grammar.unknown_subcommand"),
    ],
)
def test_grammar_alone(argv: str, rejected: str | None) -> None:
    name, *args = argv.split()
    got = grammar.load().check(name, [Word(a, a) for a in args])
    assert (got.rule_id if got else None) == rejected, got
