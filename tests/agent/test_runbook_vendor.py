"""What the repair runbook reads from vendor-style installs (``/opt/<vendor>/<app>``,
``/etc/sysconfig``, relative paths under ``WorkingDirectory=``), from recorded text.

Each test names the fault class of the blind4 set it was written for; end to end, the set
itself runs in tests/test_scenarios_blind4.py.
"""

from __future__ import annotations

import fnmatch
import json

from shturman.agent.remedies.envfiles import unset_variables
from shturman.agent.remedies.evidence import (
    Evidence,
    config_args,
    log_paths,
    ports_in_config,
    relative_paths_in,
    resolve,
)
from shturman.agent.remedies.files import ROTATED, own_logs
from shturman.agent.remedies.runtime import _mkdir_mode, runtime_dirs
from shturman.hosts.facts import BACKUP_GLOBS, backup_globs, is_plain_copy

INI = "# web\n\n[listen]\nhost = 127.0.0.1\nport = 8433\n\n[log]\nfile = /var/log/tally/web-2.log\n"
YAML = ("listen:\n  host: 127.0.0.1\n  port: 8431\n\nlog:\n  file: logs/orca-api.log\n"
        "  quota_mb: 20\n")
JSON = json.dumps({"listen": {"host": "127.0.0.1", "port": 8434},
                   "logging": {"path": "/var/log/pricing/pricing.log"},
                   "access_log": {"file": "/var/log/pricing/access.log"}}, indent=2)


def test_log_file_named_by_a_section_and_a_plain_key() -> None:
    """b4_port_perl / b4_template_manual_copy / b4_key_mode_0000: `[log] file = …`, YAML
    `log:` + `  file: …` (relative to the working directory), JSON `"logging": {"path": …}`;
    an access log is not the service's own log."""
    assert log_paths(INI) == ["/var/log/tally/web-2.log"]
    assert log_paths(YAML, "/opt/orcasoft/orca-api") == ["/opt/orcasoft/orca-api/logs/orca-api.log"]
    assert log_paths(YAML) == []  # a relative path means nothing without the working directory
    assert log_paths(JSON) == ["/var/log/pricing/pricing.log"]
    assert log_paths("[log]\nlevel = info\nfile = syslog\n") == []  # not a path


def test_port_from_ini_yaml_and_json_settings() -> None:
    assert ports_in_config(INI) == [8433]
    assert ports_in_config(YAML) == [8431]
    assert ports_in_config(JSON) == [8434]


def test_relative_config_argument_resolved_against_the_working_directory() -> None:
    """b4_port_perl: `--config conf/orca-api.yaml` with WorkingDirectory=/opt/orcasoft/orca-api."""
    argv = ["/opt/orcasoft/orca-api/bin/orca-api", "--name", "orca-api", "--config",
            "conf/orca-api.yaml"]
    assert config_args(argv, "/opt/orcasoft/orca-api") == [
        "/opt/orcasoft/orca-api/conf/orca-api.yaml"]
    assert config_args(["/opt/t/bin/t", "--config=../../etc/t.ini"], "/opt/t/web") == [
        "/opt/etc/t.ini"]
    assert config_args(argv, None) == []
    assert resolve("/etc/x//y.ini", None) == "/etc/x/y.ini"


def test_relative_path_in_an_error_line() -> None:
    """b4_key_mode_0000: `cannot read key file keys/signing.key: [Errno 13] …`."""
    line = "sigil-signer[9]: crit: cannot read key file keys/signing.key: [Errno 13] Permission denied"
    assert relative_paths_in(line, "/var/lib/sigil") == ["/var/lib/sigil/keys/signing.key"]
    assert relative_paths_in(line, None) == []
    assert relative_paths_in("open /etc/app/key.pem: denied", "/srv") == []  # absolute: not here


def test_dated_and_numbered_backups() -> None:
    """b4_json_dated_backup: `pricing.json.20261130`, `.2026-11-30`, `-20261130`, `.bak.2`;
    never a compressed copy or the broken one set aside."""
    path = "/etc/pricing/pricing.json"
    names = [f"{path}.20261130", f"{path}.2026-11-30", f"{path}-20261130", f"{path}.bak.2",
             f"{path}.1"]
    globs = backup_globs(path)
    assert all(any(fnmatch.fnmatch(n, g) for g in globs) for n in names)
    assert not any(fnmatch.fnmatch(f"{path}.broken", g) for g in globs)
    assert all(is_plain_copy(n, path) for n in names)
    assert not is_plain_copy(f"{path}.20261130.gz", path)
    assert not is_plain_copy(f"{path}.broken", path)
    assert not is_plain_copy(path, path)
    assert len(BACKUP_GLOBS) == len(globs)


def test_variables_the_log_says_are_not_set() -> None:
    """b4_envfile_rpmsave."""
    logs = ("Dec 3 invoice-hub[7]: crit: required environment variable INVOICE_HUB_DSN is not "
            "set; exiting\n"
            "app: missing environment variable: API_TOKEN\n"
            "Dec 3 app: error: connection refused\n")
    assert unset_variables(logs) == ["INVOICE_HUB_DSN", "API_TOKEN"]
    assert unset_variables("app[1]: listening on :8080\n") == []


def test_runtime_dir_named_by_does_not_exist_and_mkdir_mode_from_the_unit() -> None:
    """b4_mkdir_parent_gone: `spool directory /run/ingest/spool does not exist` and
    `ExecStartPre=-/bin/mkdir -m 0750 /run/ingest/spool`."""
    unit = ("[Service]\nExecStartPre=-/bin/mkdir -m 0750 /run/ingest/spool\n"
            "ExecStart=/opt/ingest/gw/bin/ingest-gw --config /etc/ingest/gw.ini\n")
    logs = "ingest-gw[4]: crit: spool directory /run/ingest/spool does not exist (cwd /); refusing\n"
    ev = Evidence("s", "ingest-gw", unit, (), logs, (), None, "ingest")
    assert runtime_dirs(ev) == ["/run/ingest/spool"]
    assert _mkdir_mode(ev, "/run/ingest/spool") == "0750"
    assert _mkdir_mode(ev, "/run/ingest") is None


def test_rotated_copies_of_the_own_log_only() -> None:
    """b4_log_volume_full: the rotated copies of the log the service cannot write — never the
    current log, never another program's log."""
    logs = ("sink[3]: crit: cannot write /var/log/telemetry/sink.log: [Errno 28] No space left "
            "on device\n")
    ev = Evidence("s", "sink", "", (), logs, (), None, None,
                  log_files=("/var/log/telemetry/sink.log",))
    assert own_logs(ev) == ["/var/log/telemetry/sink.log"]
    shared = Evidence("s", "dkim", "", (), "dkim: [Errno 28] No space left on device\n", (),
                      None, None, log_files=("/var/log/maillog",))
    assert own_logs(shared) == []  # a shared syslog file is not one program's to prune

    def rotated(name: str) -> bool:
        return any(fnmatch.fnmatch(name, "sink.log" + p) for p in ROTATED)

    assert all(rotated(n) for n in ("sink.log.1", "sink.log.5.gz", "sink.log.12",
                                    "sink.log-20261201", "sink.log-20261201.gz"))
    assert not any(rotated(n) for n in ("sink.log", "other.log.1", "sink.log.old",
                                        "sink.logger.1"))
