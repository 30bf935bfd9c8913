"""Service logs when the journal cannot say: the reason, the fallback files, "unit not found".

Parsers are tested from recorded output; the tool on a real host whose journalctl is broken.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from shturman.agent.reporting import service_lines
from shturman.domain.models import Actor, RunMode
from shturman.hosts.journal import (
    JournalTrouble,
    judge_journal,
    listed_files,
    unit_log_files,
    unit_missing,
)
from shturman.tools import ToolContext
from shturman.tools.services import read_logs
from tests.hostlab import units
from tests.hostlab.lab import HostLab, TestHost

ACTOR = Actor("test", "op")

SYSTEMCTL3_TRACEBACK = """\
Traceback (most recent call last):
  File "/usr/local/bin/systemctl3.py", line 6999, in <module>
    main()
  File "/usr/local/bin/systemctl3.py", line 6702, in log_unit
    for line in open(log_path):
PermissionError: [Errno 13] Permission denied: '/var/log/journal/app.service.log'
"""


@pytest.mark.parametrize(("exit_code", "stdout", "stderr", "trouble"), [
    (127, "", "bash: line 1: journalctl: command not found", JournalTrouble.NOT_INSTALLED),
    (1, "", "No journal files were found.", JournalTrouble.NO_JOURNAL),
    (1, "", SYSTEMCTL3_TRACEBACK, JournalTrouble.TOOL_CRASHED),
    (0, "", "/bin/tail: cannot open '/r/var/log/journal/app.service.log' for reading: No such "
            "file or directory", JournalTrouble.NO_JOURNAL),
    (1, "", "Hint: You are currently not seeing messages from other users and the system.",
     JournalTrouble.PERMISSION),
    (0, "-- No entries --\n", "", JournalTrouble.EMPTY),
    (1, "", "Failed to add match 'x': Invalid argument", JournalTrouble.FAILED),
    (0, "Dec 02 18:00:01 web app[12]: started\n", "", None),
    # systemctl3 `log` of a failed unit: exit 1, its CRITICAL note on stderr, the lines
    (1, "app: OSError: [Errno 98] Address already in use\n",
     "CRITICAL:systemctl:['/bin/tail', '/usr/bin/tail'] => /bin/tail", None),
    # the service's own traceback is its log, not the tool failing
    (0, 'Traceback (most recent call last):\n  File "/usr/lib/python3.11/http/server.py", '
        'line 1309, in <module>\nOSError: [Errno 98] Address already in use\n', "", None),
])
def test_journal_is_judged_by_its_words(exit_code: int, stdout: str, stderr: str,
                                        trouble: JournalTrouble | None) -> None:
    assert judge_journal(exit_code, stdout, stderr).trouble is trouble


def test_unit_files_and_missing_units() -> None:
    unit = ("[Service]\nExecStart=/usr/bin/app\nStandardOutput=append:/var/log/app/out.log\n"
            "StandardError=file:/var/log/app/err.log\n")
    assert unit_log_files(unit) == ["/var/log/app/out.log", "/var/log/app/err.log"]
    assert unit_log_files("[Service]\nStandardOutput=journal\n") == []
    assert unit_missing(1, "", "No files found for nosuch.service.")
    assert unit_missing(1, "", "ERROR:systemctl:Unit nosuch.service not found.")
    assert not unit_missing(0, unit, "")
    assert listed_files("/var/log/nginx/error.log\n/var/log/nginx/access.log.1\n"
                        "/var/log/nginx/access.log.2.gz\n") == ["/var/log/nginx/error.log"]


@pytest.fixture
def broken_journal(hostlab: HostLab) -> Iterator[TestHost]:
    """The first lab host's journalctl crashes with a Python traceback (as systemctl3.py does)."""
    host = hostlab.hosts[0]
    shim = host.bin_dir / "journalctl"
    original = shim.read_text()
    crash = "".join(f"echo {line!r} >&2\n" for line in SYSTEMCTL3_TRACEBACK.splitlines())
    shim.write_text(f"#!/bin/bash\n{crash}exit 1\n")
    try:
        yield host
    finally:
        shim.write_text(original)


async def _ctx(make_container: Any, lab: HostLab, lang: str) -> ToolContext:
    c = await make_container(lab)
    return ToolContext(c.guarded, {s.name: s for s in await c.inventory.all()}, ACTOR,
                       RunMode.INTERACTIVE, lang=lang)


async def test_broken_journal_falls_back_to_the_units_log_file(
        make_container: Any, hostlab: HostLab, broken_journal: TestHost) -> None:
    host = broken_journal
    log = host.home / "logdemo.log"
    log.write_text("logdemo: fatal: cannot open /etc/logdemo.conf\n")
    units.install_unit(host, "logdemo", f"""
        [Service]
        ExecStart=/bin/sleep 1000
        StandardOutput=append:{log}
        StandardError=append:{log}
        """)
    ctx = await _ctx(make_container, hostlab, "en")
    result = await read_logs(ctx, host.name, service="logdemo", lines=20)
    assert result.ok, result.output()
    assert "journalctl itself crashed" in result.summary
    assert str(log) in result.summary
    assert "fatal: cannot open /etc/logdemo.conf" in service_lines(result)
    assert "Traceback" not in result.output() and "systemctl3.py" not in service_lines(result)
    assert result.data["journal"] == "tool_crashed"


async def test_unknown_unit_is_said_as_such(make_container: Any, hostlab: HostLab) -> None:
    host = hostlab.hosts[0]
    ctx = await _ctx(make_container, hostlab, "ru")
    result = await read_logs(ctx, host.name, service="nosuchunit", lines=20)
    assert not result.ok
    assert f"юнит nosuchunit не найден на {host.name}" in result.summary
    assert result.data["unit_missing"] is True
