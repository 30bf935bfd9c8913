"""Engine behaviour: wrappers, normalisation, server rules, parse errors, explain, rules files."""

from __future__ import annotations

from pathlib import Path

import pytest

from shturman.domain.errors import PolicyError
from shturman.domain.models import AccessProfile, Decision, Server
from shturman.policy import Policy
from shturman.policy.rules import glob_regex
from shturman.policy.shell import parse
from shturman.policy.unwrap import program_name

ALLOW, CONFIRM, BLOCK = Decision.ALLOW, Decision.CONFIRM, Decision.BLOCK


@pytest.mark.parametrize(
    "cmd",
    [
        "sudo rm -rf /",
        "sudo -u root env FOO=1 timeout -s KILL 5 nice -n 5 nohup rm -rf /",
        "stdbuf -oL xargs rm -rf < /dev/null; rm -rf /",
        "su -c 'rm -rf /'",
        "sh -c 'rm -rf /'",
        "bash -lc 'rm -rf /'",
        "ssh -p 2222 host rm -rf /",
        "docker exec -u root web rm -rf /",
        "kubectl exec -n x pod -c c -- rm -rf /",
        "find / -exec rm -rf {} +",
        "watch rm -rf /",
        "timeout 5 sudo sh -c \"bash -c 'rm -rf /'\"",
        "env -S 'rm -rf /'",
    ],
)
def test_wrappers_are_unwrapped(policy: Policy, cmd: str) -> None:
    assert policy.check(cmd).decision is BLOCK


@pytest.mark.parametrize(
    "cmd",
    [
        "sudo df -h",
        "timeout 5 uptime",
        "nice -n 10 du -sh /var",
        "env LANG=C ls -la",
        "ssh web1 uptime",
        "docker exec web ps aux",
        "sudo -u postgres ls /tmp",
        "nohup cat /var/log/syslog",
        "sh -c 'df -h && free -m'",
    ],
)
def test_wrapped_reads_stay_allowed(policy: Policy, cmd: str) -> None:
    assert policy.check(cmd).decision is ALLOW, policy.check(cmd).rule_ids


def test_paths_are_normalised() -> None:
    assert program_name("/usr/bin/../bin/rm") == "rm"
    assert program_name("//bin//rm") == "rm"


def test_commands_are_listed_normalised(policy: Policy) -> None:
    v = policy.check("/usr/bin/../bin/rm -rf /")
    assert v.commands == ("rm -rf /",)
    assert v.command == "/usr/bin/../bin/rm -rf /"
    assert policy.check("df -h; r'm' x").commands == ("df -h", "rm x")


@pytest.mark.parametrize("cmd", ["ls (", "echo 'unterminated", "if then fi", "{rm,-rf,/}"])
def test_parse_error_is_never_allowed(policy: Policy, cmd: str) -> None:
    v = policy.check(cmd)
    assert v.decision is BLOCK
    assert "shell.parse_error" in v.rule_ids


@pytest.mark.parametrize("cmd", ["$CMD", '"$X" -la', "$(which ls)", 'l"s" -la', "`echo ls`"])
def test_non_literal_names_are_never_allowed(policy: Policy, cmd: str) -> None:
    assert policy.check(cmd).decision is not ALLOW


def test_empty_command_is_blocked(policy: Policy) -> None:
    assert policy.check("   ").decision is BLOCK


def test_forbidden_commands_per_server(policy: Policy) -> None:
    server = Server(name="prod", forbidden_commands=("systemctl stop nginx", "reboot", "docker"))
    assert policy.check("systemctl stop nginx", server).decision is BLOCK
    assert policy.check("sudo /usr/bin/systemctl stop nginx", server).decision is BLOCK
    assert policy.check("systemctl stop redis", server).decision is CONFIRM
    assert policy.check("uptime && reboot", server).decision is BLOCK
    assert policy.check("docker ps", server).decision is BLOCK
    assert "server.forbidden" in policy.check("reboot", server).rule_ids
    assert policy.check("uptime", server).decision is ALLOW


def test_readonly_server_turns_confirm_into_block(policy: Policy) -> None:
    ro = Server(name="ro", profile=AccessProfile.READONLY)
    assert policy.check("systemctl restart nginx", ro).decision is BLOCK
    assert "server.readonly" in policy.check("systemctl restart nginx", ro).rule_ids
    assert policy.check("df -h", ro).decision is ALLOW
    admin = Server(name="a", profile=AccessProfile.ADMIN)
    assert policy.check("systemctl restart nginx", admin).decision is CONFIRM


def test_reasons_are_bilingual(policy: Policy) -> None:
    v = policy.check("rm -rf /")
    assert v.reasons[0].en and v.reasons[0].ru and v.reasons[0].en != v.reasons[0].ru
    assert v.reasons[0].command == "rm -rf /"


def test_explain_names_the_deciding_rule(policy: Policy) -> None:
    text = policy.explain("df -h && rm -rf /")
    assert "fs.rm_system" in text and "df -h" in text and "block" in text
    assert "Решение" in policy.explain("ls", lang="ru")


def test_parser_finds_commands_everywhere() -> None:
    src = (
        "a | b && (c) ; $(d) `e` <(f) >(g); case x in y) h;; esac; for i in 1; do j; done;"
        " k() { l; }; m=${n:-$(o)}; cat <<EOF\n$(p)\nEOF"
    )
    names = {c.words[0].value for c in parse(src).commands if c.words}
    assert set("abcdefghjlop") <= names


def test_quoted_heredoc_body_is_data(policy: Policy) -> None:
    assert policy.check("cat <<'EOF'\n$(rm -rf /)\nEOF").decision is ALLOW
    assert policy.check("cat <<EOF\n$(rm -rf /)\nEOF").decision is BLOCK


def test_extra_rules_file_overrides(tmp_path: Path) -> None:
    extra = tmp_path / "site.yaml"
    extra.write_text(
        "rules:\n"
        "  - id: site.no_docker_restart\n    decision: block\n    commands: [docker]\n"
        "    subcommand: [restart]\n    en: not here\n    ru: не здесь\n"
        "  - id: site.myapp_status\n    decision: allow\n    commands: [myappctl]\n"
        "    subcommand: [status]\n    en: status\n    ru: статус\n"
        "grammars:\n  myappctl:\n    opts: --json\n    sub: {status: {operands: none}}\n",
        encoding="utf-8",
    )
    p = Policy.load([extra])
    assert p.check("docker restart web").decision is BLOCK
    assert p.check("myappctl status").decision is ALLOW
    assert p.check("myappctl --json status").decision is ALLOW
    assert p.check("myappctl stop").decision is CONFIRM
    # an option its grammar does not know: not known to be read-only
    assert p.check("myappctl status --purge").rule_ids == ("grammar.unknown_option",)


def test_rules_file_errors_name_file_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "typo.yaml"
    bad.write_text(
        "rules:\n  - id: x\n    decision: allow\n    comands: [ls]\n    en: a\n    ru: б\n",
        encoding="utf-8",
    )
    with pytest.raises(PolicyError, match=r"(?s)typo\.yaml.*rules\.0\.comands"):
        Policy.load([bad])
    bad2 = tmp_path / "grammar.yaml"
    bad2.write_text("grammars:\n  tool:\n    optz: -a\n", encoding="utf-8")
    with pytest.raises(PolicyError, match=r"(?s)grammar\.yaml.*optz"):
        Policy.load([bad2])


def test_bad_rules_file_raises(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - id: x\n    decision: maybe\n", encoding="utf-8")
    with pytest.raises(PolicyError):
        Policy.load([bad])


def test_glob_semantics() -> None:
    import re

    assert re.fullmatch(glob_regex("/var/log/*"), "/var/log/syslog")
    assert not re.fullmatch(glob_regex("/var/log/*"), "/var/log/nginx/access.log")
    assert re.fullmatch(glob_regex("~/.ssh/id_rsa"), "/home/bob/.ssh/id_rsa")
    assert re.fullmatch(glob_regex(".env"), "/srv/app/.env")
    assert re.fullmatch(glob_regex("/var/log/{*}"), "/var/log/*")
    assert not re.fullmatch(glob_regex("/var/log/{*}"), "/var/log/syslog")


@pytest.mark.parametrize(
    "cmd,decision",
    [
        ("cd / && rm -rf *", BLOCK),
        ("cd /tmp/build && rm -rf *", CONFIRM),
        ("rm -rf ../../../..", BLOCK),
        ("echo / | xargs rm -rf", BLOCK),
        ("find /var/log -name '*.gz' -delete", CONFIRM),
        ("find /var/log -delete", BLOCK),
        ("journalctl --vacuum-time=2d", CONFIRM),
        ("journalctl --vacuum-time=10s", BLOCK),
        ("sed -n 5p /etc/hosts", ALLOW),
        ("sed -i s/a/b/ /etc/hosts", CONFIRM),
        ("sed '1e id' x", BLOCK),
        ("awk '{print $1}' f", ALLOW),
        ("awk 'BEGIN{system(\"id\")}'", CONFIRM),
    ],
)
def test_selected_decisions(policy: Policy, cmd: str, decision: Decision) -> None:
    assert policy.check(cmd).decision is decision, policy.check(cmd).rule_ids


def test_parser_crash_inputs_are_neutralised() -> None:
    """tree-sitter-bash 0.25 segfaults on `{` followed by a 4-byte UTF-8 character
    (tree-sitter-bash#337). Run in a child process so a regression fails this test instead
    of killing the whole suite."""
    import json
    import subprocess
    import sys

    crashers = [
        "{\U00031860",
        "ª\U000efcf1\U000b49c2\x84q\x99Þ{\U000a4096M\x9foj%\x18",
        "echo {a,b}\U0001f600",
        "f() { echo \U0001f680; }",
    ]
    lines = "".join(json.dumps({"cmd": c}) + "\n" for c in crashers * 50)
    code = "from shturman.app import main; main()"
    proc = subprocess.run(
        [sys.executable, "-c", code, "policy", "check", "--jsonl", "-"],
        input=lines,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    decisions = [json.loads(x)["decision"] for x in proc.stdout.splitlines()]
    assert len(decisions) == len(crashers) * 50
    assert "allow" not in decisions[:2]  # broken syntax is never allowed
