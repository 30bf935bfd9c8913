"""Service units for test hosts, run by systemctl3.py (docker-systemctl-replacement).

Each host user gets ``~/bin/systemctl`` = ``systemctl3.py --root=~/sysroot`` so units, pid and
status files and the per-unit "journal" live in the user's own root and hosts share no state.
Units run as the host user (no root needed).
"""

from __future__ import annotations

import os
import shlex
import textwrap
from pathlib import Path

from .lab import LOOPBACK, SYSTEM_PYTHON, SYSTEMCTL3_LAUNCHER, TestHost, _unit_name, free_port

_SYSTEMCTL = r"""#!/bin/sh
# systemctl for this test host: systemctl3.py (docker-systemctl-replacement) with its own root.
root="{root}"
case "$1" in
  start|restart|try-restart|reload-or-restart|reload-or-try-restart)
    # systemctl3 keeps "ActiveState=failed" after a failed ExecStartPre and then reports a
    # later successful start as failed; real systemd starts failed units. Clear it first.
    for a in "$@"; do
      case "$a" in -*|start|restart|try-restart|reload-or-*) continue;; esac
      case "$a" in *.*) u="$a";; *) u="$a.service";; esac
      [ -f "$root/run/$u.status" ] && sed -i '/^ActiveState=failed$/d' "$root/run/$u.status"
    done;;
esac
exec {python} {systemctl3} --root="$root" "$@"
"""

_JOURNALCTL = r"""#!/bin/bash
# journalctl shim over systemctl3 "log": supports -u UNIT, -n N, -f, --no-pager
unit= args=()
while [ $# -gt 0 ]; do
  case "$1" in
    -u|--unit) unit=$2; shift 2;;
    --unit=*) unit=${1#--unit=}; shift;;
    -u*) unit=${1#-u}; shift;;
    -n|--lines) args+=(-n "$2"); shift 2;;
    --lines=*) args+=(-n "${1#--lines=}"); shift;;
    -n*) args+=(-n "${1#-n}"); shift;;
    -f|--follow) args+=(-f); shift;;
    *) shift;;
  esac
done
if [ -z "$unit" ]; then echo "journalctl: only -u UNIT is supported on this host" >&2; exit 1; fi
exec systemctl log "$unit" --no-pager "${args[@]}"
"""


def _write_owned(host: TestHost, path: Path, text: str, mode: int = 0o644) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.chmod(path, mode)
    os.chown(path, host.uid, host.gid)
    return path


def _mkdirs_owned(host: TestHost, *dirs: Path) -> None:
    for d in dirs:
        d.mkdir(parents=True, exist_ok=True)
        # chown every level below home that we may have created
        p = d
        while p != host.home and host.home in p.parents:
            os.chown(p, host.uid, host.gid)
            p = p.parent


def install_systemctl(host: TestHost, systemctl3: Path) -> None:
    """Install ``~/bin/systemctl`` and ``~/bin/journalctl`` wrappers and the host's sysroot.

    ``systemctl3`` is run through the precompiled launcher beside it when there is one."""
    launcher = systemctl3.with_name(SYSTEMCTL3_LAUNCHER)
    program = launcher if launcher.is_file() else systemctl3
    _mkdirs_owned(
        host,
        host.bin_dir,
        host.unit_dir,
        host.sysroot / "var/log/journal",
        host.sysroot / "run",
        host.sysroot / "tmp",
    )
    _write_owned(
        host,
        host.bin_dir / "systemctl",
        _SYSTEMCTL.format(python=SYSTEM_PYTHON, systemctl3=program, root=host.sysroot),
        0o755,
    )
    _write_owned(host, host.bin_dir / "journalctl", _JOURNALCTL, 0o755)


def install_unit(host: TestHost, name: str, text: str) -> Path:
    """Write a unit file into the host's ``/etc/systemd/system`` (inside its sysroot)."""
    _mkdirs_owned(host, host.unit_dir)
    return _write_owned(host, host.unit_dir / _unit_name(name), textwrap.dedent(text).lstrip())


def install_webapp(host: TestHost, port: int | None = None, name: str = "webapp") -> int:
    """A ``python3 -m http.server`` unit serving ``~/www`` on 127.0.0.1:PORT. Returns the port."""
    port = port or host.ports.get(name) or free_port()
    host.ports[name] = port
    www = host.home / "www"
    _mkdirs_owned(host, www)
    _write_owned(host, www / "index.html", f"<h1>{host.name} {name}</h1>\n")
    install_unit(
        host,
        name,
        f"""
        [Unit]
        Description=Test web app of {host.name}
        After=network.target

        [Service]
        Type=simple
        Environment=PYTHONUNBUFFERED=1
        ExecStart={SYSTEM_PYTHON} -m http.server {port} --bind {LOOPBACK} --directory {www}
        Restart=no

        [Install]
        WantedBy=multi-user.target
        """,
    )
    return port


def install_python_service(
    host: TestHost,
    name: str,
    script: Path,
    *,
    port: int | None = None,
    args: tuple[str, ...] = (),
    environment: tuple[str, ...] = (),
    requires: tuple[str, ...] = (),
) -> int:
    """Copy a stdlib Python ``script`` to ``~/apps/NAME/`` and run it as unit ``NAME``.

    ExecStart is ``/usr/bin/python3 ~/apps/NAME/SCRIPT --name NAME --port PORT ARGS...``;
    ``environment`` entries become ``Environment=`` lines, ``requires`` units become both
    ``Requires=`` and ``After=``. Stdout/stderr go to the unit's journal. Returns the port.
    """
    port = port or host.ports.get(name) or free_port()
    host.ports[name] = port
    app_dir = host.home / "apps" / name
    _mkdirs_owned(host, app_dir)
    target = _write_owned(host, app_dir / script.name, script.read_text(), 0o755)
    deps = " ".join(_unit_name(r) for r in requires)
    dep_lines = f"Requires={deps}\nAfter={deps} network.target" if deps else "After=network.target"
    env_lines = "\n".join(f"Environment={e}" for e in ("PYTHONUNBUFFERED=1", *environment))
    argv = " ".join(shlex.quote(a) for a in (str(target), "--name", name, "--port", str(port),
                                              *args))
    text = (
        f"[Unit]\nDescription={name} of {host.name}\n{dep_lines}\n\n"
        f"[Service]\nType=simple\n{env_lines}\nExecStart={SYSTEM_PYTHON} {argv}\n"
        "Restart=no\n\n[Install]\nWantedBy=multi-user.target\n"
    )
    install_unit(host, name, text)
    return port


def nginx_conf_path(host: TestHost) -> Path:
    return host.home / "nginx/nginx.conf"


def install_nginx(host: TestHost, port: int | None = None, name: str = "nginx") -> int:
    """Debian nginx as the host user, config ``~/nginx/nginx.conf``, on 127.0.0.1:PORT."""
    port = port or host.ports.get(name) or free_port()
    host.ports[name] = port
    d = host.home / "nginx"
    _mkdirs_owned(host, d / "logs", d / "tmp", d / "html")
    _write_owned(host, d / "html/index.html", f"<h1>{host.name} nginx</h1>\n")
    conf = _write_owned(
        host,
        nginx_conf_path(host),
        textwrap.dedent(
            f"""\
            daemon off;
            worker_processes 1;
            pid {d}/nginx.pid;
            error_log {d}/logs/error.log warn;

            events {{
                worker_connections 256;
            }}

            http {{
                include /etc/nginx/mime.types;
                default_type application/octet-stream;
                access_log {d}/logs/access.log;
                client_body_temp_path {d}/tmp/client_body;
                proxy_temp_path {d}/tmp/proxy;
                fastcgi_temp_path {d}/tmp/fastcgi;
                uwsgi_temp_path {d}/tmp/uwsgi;
                scgi_temp_path {d}/tmp/scgi;

                server {{
                    listen {LOOPBACK}:{port};
                    root {d}/html;
                    location = /health {{
                        return 200 "ok\\n";
                    }}
                }}
            }}
            """
        ),
    )
    nginx = f"/usr/sbin/nginx -e {d}/logs/error.log -p {d} -c {conf}"
    install_unit(
        host,
        name,
        f"""
        [Unit]
        Description=nginx of {host.name}
        After=network.target

        [Service]
        Type=simple
        ExecStartPre={nginx} -t -q
        ExecStart={nginx}
        ExecReload={nginx} -s reload
        Restart=no

        [Install]
        WantedBy=multi-user.target
        """,
    )
    return port


def install_redis(host: TestHost, port: int | None = None, name: str = "redis") -> int:
    """Debian redis-server as the host user, config ``~/redis/redis.conf``, on 127.0.0.1:PORT."""
    port = port or host.ports.get(name) or free_port()
    host.ports[name] = port
    d = host.home / "redis"
    _mkdirs_owned(host, d)
    conf = _write_owned(
        host,
        d / "redis.conf",
        textwrap.dedent(
            f"""\
            bind {LOOPBACK}
            port {port}
            protected-mode yes
            daemonize no
            supervised no
            dir {d}
            logfile ""
            save ""
            appendonly no
            """
        ),
    )
    install_unit(
        host,
        name,
        f"""
        [Unit]
        Description=redis of {host.name}
        After=network.target

        [Service]
        Type=simple
        ExecStart=/usr/bin/redis-server {conf}
        Restart=no

        [Install]
        WantedBy=multi-user.target
        """,
    )
    return port


def main_pid(host: TestHost, unit: str) -> int:
    """MainPID recorded by systemctl3 for ``unit`` (0 if none)."""
    status = host.sysroot / "run" / f"{_unit_name(unit)}.status"
    try:
        text = status.read_text()
    except FileNotFoundError:
        return 0
    for line in text.splitlines():
        if line.startswith("MainPID="):
            value = line.split("=", 1)[1].strip()
            return int(value) if value.isdigit() else 0
    return 0
