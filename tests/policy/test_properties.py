"""Property: disguising a blocked command never makes it allowed (and mostly keeps it blocked)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shturman.domain.models import Decision
from shturman.policy import Policy

_POLICY = Policy.load()

DANGEROUS = [
    ("rm", "-rf /"),
    ("rm", "-rf /etc"),
    ("rm", "-rf ~"),
    ("mkfs.ext4", "/dev/sda1"),
    ("dd", "if=/dev/zero of=/dev/sda"),
    ("cat", "/etc/shadow"),
    ("cat", "~/.ssh/id_rsa"),
    ("wipefs", "-a /dev/sda"),
    ("chmod", "-R 777 /"),
    ("shred", "/dev/sdb"),
    ("iptables", "-F"),
    ("ufw", "disable"),
    ("passwd", "-d root"),
    ("crontab", "-r"),
    ("history", "-c"),
    ("setenforce", "0"),
    ("dropdb", "prod"),
    ("redis-cli", "FLUSHALL"),
]
BENIGN = ["df -h", "uptime", "ls -la /tmp", "echo ok", "free -m", "true"]
WRAPPERS = [
    "sudo",
    "sudo -u root",
    "env",
    "env A=1",
    "timeout 5",
    "nice -n 5",
    "nohup",
    "stdbuf -oL",
    "ionice -c3",
    "command",
    "exec",
    "busybox",
    "time",
]
PREFIXES = ["", "/bin/", "/usr/bin/", "/usr/bin/../bin/", "//usr//bin/", "/usr/local/../bin/"]


def _quote_splice(name: str, how: int, cut: int) -> str:
    cut = max(1, min(cut, len(name) - 1)) if len(name) > 1 else 1
    a, b = name[:cut], name[cut:]
    return [f'{a}"{b}"', f"'{a}'{b}", f"{a}\\{b}" if b else name, f"$'{name}'", name][how % 5]


@st.composite
def disguised(draw: st.DrawFn) -> str:
    name, args = draw(st.sampled_from(DANGEROUS))
    prefix = draw(st.sampled_from(PREFIXES)) if name not in ("history",) else ""
    word = _quote_splice(name, draw(st.integers(0, 4)), draw(st.integers(1, 5)))
    if prefix and word.startswith(("'", '"', "$")):
        word = name
    cmd = f"{prefix}{word} {args}" if name != "history" else f"{word} {args}"
    for _ in range(draw(st.integers(0, 3))):
        shape = draw(st.integers(0, 5))
        if shape == 0 and name != "history":
            cmd = f"{draw(st.sampled_from(WRAPPERS))} {cmd}"
        elif shape == 1:
            cmd = f"sh -c {_sq(cmd)}"
        elif shape == 2:
            cmd = f"{draw(st.sampled_from(BENIGN))} && {cmd}"
        elif shape == 3:
            cmd = f"{cmd}; {draw(st.sampled_from(BENIGN))}"
        elif shape == 4:
            cmd = f"eval {_sq(cmd)}"
        else:
            cmd = f"( {cmd} )"
    return cmd


def _sq(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(disguised())
def test_disguised_dangerous_is_never_allowed(cmd: str) -> None:
    verdict = _POLICY.check(cmd)
    assert verdict.decision is Decision.BLOCK, (cmd, verdict.rule_ids)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_random_input_never_crashes_and_keeps_the_command(text: str) -> None:
    verdict = _POLICY.check(text)
    assert verdict.command == text
    assert verdict.decision in (Decision.ALLOW, Decision.CONFIRM, Decision.BLOCK)
