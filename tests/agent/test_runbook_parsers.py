"""Parsers the repair runbook relies on, from recorded command output."""

from __future__ import annotations

import pytest

from shturman.agent.remedies.configs import checker_commands
from shturman.agent.remedies.evidence import (
    Evidence,
    config_dirs,
    environment,
    exec_argv,
    interesting_lines,
    log_paths,
    parse_env_file,
    ports_in_config,
    ports_in_logs,
)
from shturman.agent.remedies.ports import same_program
from shturman.agent.remedies.runtime import Declared, parse_tmpfiles, runtime_dirs
from shturman.hosts.facts import (
    ConfigFault,
    backup_candidates,
    parse_config_fault,
    parse_fuser,
    parse_listening_uids,
    parse_lsof,
    parse_process_owner,
)
from shturman.hosts.servicemgr import ports_in_unit
from shturman.tools.system import owner_pids, parse_listening

SS = """\
State  Recv-Q Send-Q Local Address:Port  Peer Address:PortProcess
LISTEN 0      5          127.0.0.1:18231      0.0.0.0:*    users:(("python3",pid=4242,fd=3))
LISTEN 0      511          0.0.0.0:80         0.0.0.0:*    users:(("nginx",pid=901,fd=6),("nginx",pid=900,fd=6))
LISTEN 0      4096            [::]:5432          [::]:*
"""


def test_ss_owner_pids() -> None:
    rows = {port: owner_pids(proc) for port, _a, proc in parse_listening(SS)}
    assert rows == {18231: [4242], 80: [901, 900], 5432: []}


@pytest.mark.parametrize(("output", "pids"), [
    ("18231/tcp:            4242\n", [4242]),
    ("   4242  4250\n", [4242, 4250]),
    ("80/tcp:  900e  901e\n", [900, 901]),
    ("", []),
])
def test_fuser(output: str, pids: list[int]) -> None:
    assert parse_fuser(output) == pids


def test_lsof_terse_and_table() -> None:
    assert parse_lsof("4242\n4250\n") == [4242, 4250]
    table = (
        "COMMAND  PID USER   FD   TYPE DEVICE SIZE/OFF NODE NAME\n"
        "python3 4242 app    3u  IPv4  51234      0t0  TCP 127.0.0.1:18231 (LISTEN)\n"
        "curl    5555 app    3u  IPv4  51299      0t0  TCP 127.0.0.1:40000->127.0.0.1:18231 "
        "(ESTABLISHED)\n")
    assert parse_lsof(table) == [4242]


@pytest.mark.parametrize(("output", "fault"), [
    ('nginx: [emerg] unexpected "}" in /etc/nginx/nginx.conf:12\n'
     "nginx: configuration file /etc/nginx/nginx.conf test failed\n",
     ("/etc/nginx/nginx.conf", 12)),
    ("AH00526: Syntax error on line 5 of /etc/apache2/sites-enabled/000-default.conf:\n"
     "Invalid command 'Foo', perhaps misspelled\n",
     ("/etc/apache2/sites-enabled/000-default.conf", 5)),
    ("/etc/ssh/sshd_config: line 3: Bad configuration option: Foo\n"
     "/etc/ssh/sshd_config: terminating, 1 bad configuration options\n",
     ("/etc/ssh/sshd_config", 3)),
    ("[NOTICE]   (77) : haproxy version is 2.6.12\n"
     "[ALERT]    (77) : config : parsing [/etc/haproxy/haproxy.cfg:41] : unknown keyword "
     "'frontedn' out of section.\n", ("/etc/haproxy/haproxy.cfg", 41)),
    ("/etc/bind/named.conf.options:7: unknown option 'forwarderz'\n",
     ("/etc/bind/named.conf.options", 7)),
    ("/etc/sudoers.d/ops:2:14: syntax error\nALL ALL=(ALL NOPASSWD: ALL\n",
     ("/etc/sudoers.d/ops", 2)),
    (">>> /etc/sudoers: syntax error near line 28 <<<\n", ("/etc/sudoers", 28)),
    ("/etc/systemd/system/billing.service:9: Unknown key name 'ExecStrat' in section "
     "'Service', ignoring.\n", ("/etc/systemd/system/billing.service", 9)),
    ("12:00:01 ledger ERROR: config error in /srv/opt/ledger/etc/ledger.ini line 4: expected "
     "'key = value'\n", ("/srv/opt/ledger/etc/ledger.ini", 4)),
])
def test_checker_output_names_file_and_line(output: str, fault: tuple[str, int]) -> None:
    found = parse_config_fault(output)
    assert isinstance(found, ConfigFault)
    assert (found.path, found.line) == fault


def test_checker_success_names_nothing() -> None:
    assert parse_config_fault("nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\n"
                              "nginx: configuration file /etc/nginx/nginx.conf test is "
                              "successful\n") is None


def test_backup_candidates() -> None:
    found = backup_candidates("/opt/app/etc/app.ini")
    for name in ("/opt/app/etc/app.ini.bak", "/opt/app/etc/app.ini~", "/opt/app/etc/app.ini.orig",
                 "/opt/app/etc/app.ini.dpkg-old", "/opt/app/etc/app.ini.rpmsave",
                 "/opt/app/etc/app.bak"):
        assert name in found


def test_ports_from_logs_and_config() -> None:
    logs = ('2024/01/01 [emerg] 77#77: bind() to 0.0.0.0:8088 failed (98: Address already in '
            'use)\nlisten tcp :9090: bind: address already in use\n'
            "OSError: [Errno 98] Address already in use\n")
    assert ports_in_logs(logs) == [8088, 9090]
    assert ports_in_config("[http]\nport = 18231\n# port = 1\nlisten 127.0.0.1:8443\n") == [
        18231, 8443]


# recorded from a host whose app logs with its own timestamp and pid in front of the line
BIND_FAILURES = """\
2026-12-02 18:39:08 billing-worker[22238] FATAL: cannot listen on 127.0.0.1:7043: [Errno 98] \
Address already in use
Dec 02 18:33:32 lab1 webshop[1234]: FATAL: cannot listen on 127.0.0.1:9181: [Errno 98] \
Address already in use
2026/12/02 18:40:01 [emerg] 77#77: bind() to [::]:8089 failed (98: Address already in use)
2026-12-02T18:41:07.123+03:00 app[9]: port 5000 is already in use
"""


def test_ports_from_bind_failures_never_from_timestamps_or_pids() -> None:
    assert ports_in_logs(BIND_FAILURES) == [7043, 9181, 8089, 5000]
    assert ports_in_logs("2026-12-02 18:39:08 x[98]: OSError: [Errno 98] Address already "
                         "in use\n") == []


def test_unit_ports_ignore_times_and_names() -> None:
    unit = ("[Service]\nEnvironment=TZ=UTC START=03:30:00\n"
            "ExecStart=/opt/webshop/bin/webshop --name webshop --config-dir /etc/webshop/conf.d\n")
    assert ports_in_unit(unit) == []
    assert ports_in_unit("[Service]\nEnvironment=BIND=0.0.0.0:8081 HTTP_PORT=8082\n"
                         "ExecStart=/usr/bin/app --listen [::]:8083 -p 8084\n") == [
        8081, 8082, 8083, 8084]


def test_config_dirs_from_the_command_line() -> None:
    assert config_dirs(["/opt/w/bin/w", "--name", "w", "--config-dir", "/etc/w/conf.d"]) == [
        "/etc/w/conf.d"]
    assert config_dirs(["/usr/bin/app", "--confdir=/etc/app/", "/etc/app/extra.d",
                        "--config", "/etc/app/app.ini"]) == ["/etc/app", "/etc/app/extra.d"]


def test_orphan_started_through_its_shebang_is_the_same_program() -> None:
    argv = ["/opt/bw/bin/billing-worker", "--name", "billing-worker", "--config-dir",
            "/etc/bw/conf.d"]
    assert same_program(argv, "/usr/bin/python3 /opt/bw/bin/billing-worker --name "
                              "billing-worker --config-dir /etc/bw/conf.d")
    assert not same_program(argv, "/usr/bin/python3 -m http.server 9181")


def test_orphan_is_the_same_program() -> None:
    argv = exec_argv("[Service]\nExecStart=-/usr/bin/python3 /opt/ledger/app.py /opt/l.ini\n")
    assert argv == ["/usr/bin/python3", "/opt/ledger/app.py", "/opt/l.ini"]
    assert same_program(argv, "/usr/bin/python3 /opt/ledger/app.py /opt/l.ini")
    assert same_program(argv, "python3 /opt/ledger/app.py /opt/l.ini")
    assert not same_program(argv, "python3 -m http.server 18231")


def test_interesting_lines_skip_tool_noise() -> None:
    logs = ("Traceback (most recent call last):\n"
            '  File "/usr/lib/systemctl3.py", line 10, in <module>\n'
            "12:00 ledger INFO: starting\n"
            "12:00 ledger FATAL: licence check failed: the licence expired on 2024-01-01\n")
    assert interesting_lines(logs) == [
        "12:00 ledger FATAL: licence check failed: the licence expired on 2024-01-01"]


def _evidence(unit: str) -> Evidence:
    return Evidence("s", "svc", unit, (), "", (), None, None)


@pytest.mark.parametrize(("unit", "commands"), [
    ("ExecStartPre=/usr/sbin/nginx -t -q -g 'daemon on;'\nExecStart=/usr/sbin/nginx -c "
     "/opt/web/nginx.conf\n", ["/usr/sbin/nginx -t -g 'daemon on;'",
                               "/usr/sbin/nginx -t -c /opt/web/nginx.conf"]),
    # the unit's own prefix, config and error log: a check without them tests another config
    ("ExecStartPre=/usr/sbin/nginx -e /srv/px/logs/e.log -p /srv/px -c /srv/px/nginx.conf -t -q\n"
     "ExecStart=/usr/sbin/nginx -e /srv/px/logs/e.log -p /srv/px -c /srv/px/nginx.conf\n",
     ["/usr/sbin/nginx -t -e /srv/px/logs/e.log -p /srv/px -c /srv/px/nginx.conf"]),
    ("ExecStart=/usr/sbin/sshd -D -f /etc/ssh/alt_config\n",
     ["/usr/sbin/sshd -t -f /etc/ssh/alt_config"]),
    ("ExecStart=/usr/sbin/haproxy -Ws -f /etc/haproxy/haproxy.cfg -p /run/haproxy.pid\n",
     ["/usr/sbin/haproxy -c -f /etc/haproxy/haproxy.cfg"]),
    ("ExecStart=/usr/sbin/apachectl start\n", ["apachectl configtest"]),
    ("ExecStart=/usr/sbin/named -f -u bind\n", ["named-checkconf"]),
    ("ExecStart=/usr/bin/python3 /opt/ledger/app.py /opt/ledger/etc/ledger.ini\n", []),
])
def test_checker_commands_come_from_the_unit(unit: str, commands: list[str]) -> None:
    assert checker_commands(_evidence(unit)) == commands


# recorded /etc/default file of a Debian-packaged daemon
DEFAULTS = """\
# Defaults for metrics-gw initscript / unit
# Additional options that are passed to the daemon.
DAEMON_OPTS="--config /etc/metrics-gw/%i.toml"
export EXTRA='-v'
NOT A LINE
"""
TEMPLATE_UNIT = """\
[Service]
EnvironmentFile=-/etc/default/metrics-gw
Environment=PYTHONUNBUFFERED=1 "GREETING=hello world"
ExecStart=/usr/lib/metrics-gw/bin/metrics-gw --name metrics-gw@%i $DAEMON_OPTS $EXTRA ${GREETING}
"""


def test_env_file_values_as_a_shell_reads_them() -> None:
    assert parse_env_file(DEFAULTS) == {"DAEMON_OPTS": "--config /etc/metrics-gw/%i.toml",
                                        "EXTRA": "-v"}


def test_exec_start_with_its_environment_and_specifiers_expanded() -> None:
    env = environment(TEMPLATE_UNIT, [DEFAULTS])
    assert env["PYTHONUNBUFFERED"] == "1" and env["GREETING"] == "hello world"
    assert exec_argv(TEMPLATE_UNIT, env, "metrics-gw@1") == [
        "/usr/lib/metrics-gw/bin/metrics-gw", "--name", "metrics-gw@1", "--config",
        "/etc/metrics-gw/1.toml", "-v", "hello", "world"]
    # without the environment the variable stays as written (nothing is invented)
    assert exec_argv(TEMPLATE_UNIT)[-3:] == ["$DAEMON_OPTS", "$EXTRA", "${GREETING}"]


def test_checker_built_from_options_that_come_through_variables() -> None:
    unit = ("[Service]\nEnvironmentFile=/etc/default/px\n"
            "ExecStart=/usr/sbin/nginx $NGINX_OPTS -g 'daemon off;'\n")
    env = environment(unit, ['NGINX_OPTS="-p /srv/px -c /srv/px/nginx.conf"\n'])
    ev = Evidence("s", "px", unit, (), "", (), None, None, tuple(env.items()))
    assert checker_commands(ev) == [
        "/usr/sbin/nginx -t -p /srv/px -c /srv/px/nginx.conf -g 'daemon off;'"]


def test_log_files_named_in_configs() -> None:
    toml = '[paths]\nrun_dir = "/run/app"\nlog_file = "/var/log/app.log"\n'
    kv = "paths.log_file = /var/log/relay.log\npaths.state_dir = /var/lib/relay\n"
    nginx = "error_log /srv/px/logs/error.log warn;\naccess_log /srv/px/logs/access.log;\n"
    assert log_paths(toml) == ["/var/log/app.log"]
    assert log_paths(kv) == ["/var/log/relay.log"]
    assert log_paths(nginx) == ["/srv/px/logs/error.log"]


SS_E = """\
State  Recv-Q Send-Q Local Address:Port  Peer Address:PortProcess
LISTEN 0      5          127.0.0.1:7443       0.0.0.0:*    uid:998 ino:582817 sk:4d cgroup:/ <->
LISTEN 0      128        127.0.0.1:22         0.0.0.0:*    users:(("sshd",pid=71,fd=3)) ino:4 sk:1
LISTEN 0      5          127.0.0.1:9101       0.0.0.0:*    users:(("python3",pid=4242,fd=3)) uid:1001 ino:9 sk:2
"""


def test_socket_owner_uids_even_without_process_names() -> None:
    assert parse_listening_uids(SS_E) == {7443: [998], 22: [0], 9101: [1001]}
    assert parse_process_owner(" 998 shb3x  1 /usr/bin/python3 -m http.server 7443\n") == (
        998, "shb3x", 1, "/usr/bin/python3 -m http.server 7443")
    assert parse_process_owner("") is None


def test_runtime_dirs_from_pidfile_and_error_lines() -> None:
    unit = "[Service]\nPIDFile=/run/gw/gw.pid\nExecStart=/usr/bin/gw\n"
    logs = ("gw[9]: <crit> cannot create pid file /srv/root/run/render/render.pid: [Errno 2] No "
            "such file or directory\n"
            "gw[9]: cannot open /opt/app/lib/plugin.so: No such file or directory\n"
            "gw[9]: bind(/var/run/gw/ctl.sock) failed (2: No such file or directory)\n"
            "gw[9]: chdir: /run/gw-spool: No such file or directory\n")
    ev = Evidence("s", "gw", unit, (), logs, (), None, "gw")
    assert runtime_dirs(ev) == ["/run/gw", "/srv/root/run/render", "/var/run/gw",
                                "/run/gw-spool"]


def test_tmpfiles_line_that_declares_a_directory() -> None:
    out = ("/usr/lib/tmpfiles.d/render.conf:d /run/render 0750 render adm -\n"
           "/usr/lib/tmpfiles.d/other.conf:d /run/render-old 0755 - - -\n")
    assert parse_tmpfiles(out, "/run/render") == Declared(
        "/usr/lib/tmpfiles.d/render.conf", "0750", "render", "adm")
    assert parse_tmpfiles(out, "/run/render-old") == Declared(
        "/usr/lib/tmpfiles.d/other.conf", "0755", None, None)
    assert parse_tmpfiles("", "/run/render") is None
