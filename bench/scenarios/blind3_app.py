#!/usr/bin/python3
"""A small packaged daemon for the ``blind3`` fault scenarios (stdlib only).

Installed Debian-style as ``/usr/lib/NAME/bin/NAME`` or ``/srv/NAME/bin/NAME``:

    NAME --name NAME --config PATH [--check-config]

``PATH`` is either a TOML file (``/etc/NAME/NAME.toml``) or a directory of ``key=value``
files (``/etc/NAME.d/*.conf``, read in name order; other files there, such as backups, are
ignored). Keys are dotted (``listen.port``); in TOML they are ``[listen]`` ``port = N``.

Settings:

    listen.address, listen.port          (port required)
    listen.workers = N                    (optional; N > 0: a master forks N workers that
                                           share the listening socket)
    paths.run_dir                         (required; must exist and be writable: NAME.pid)
    paths.state_dir                       (required; must exist: state.json)
    paths.log_file                        (optional; if set, every message after the
                                           configuration is read goes ONLY to this file)
    upstream.address = HOST:PORT          (optional; must accept TCP at start-up)
    auth.token_file                       (optional; ``expires=YYYY-MM-DD`` in it)

``--check-config`` validates the configuration: exit 0 ("NAME: configuration file PATH test is
successful") or 78 with ``NAME: [emerg] FILE:LINE: message``.
GET / and /status answer ``NAME ok pid=MASTER_PID[ worker=PID]``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import glob
import json
import os
import re
import signal
import socket
import sys
import time
import tomllib
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer

EX_CONFIG = 78
KNOWN = {
    "listen.address", "listen.port", "listen.workers", "paths.run_dir", "paths.state_dir",
    "paths.log_file", "upstream.address", "auth.token_file",
}


class ConfigError(Exception):
    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line, self.message = path, line, message


def _line_of(path: str, key: str) -> int:
    """The line where ``key`` (the last part of a dotted key) is set in ``path`` (0: unknown)."""
    short = key.rsplit(".", 1)[-1]
    try:
        with open(path, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if re.match(rf"\s*({re.escape(key)}|{re.escape(short)})\s*=", line):
                    return n
    except OSError:
        pass
    return 0


def load_toml(path: str) -> dict[str, tuple[object, str, int]]:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        line = int(m.group(1)) if m else 0
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise ConfigError(path, line, msg) from None
    out: dict[str, tuple[object, str, int]] = {}
    for section, body in data.items():
        if not isinstance(body, dict):
            raise ConfigError(path, _line_of(path, section),
                              f"setting {section!r} outside of any [section]")
        for key, value in body.items():
            dotted = f"{section}.{key}"
            out[dotted] = (value, path, _line_of(path, dotted))
    return out


def load_kv_dir(directory: str) -> dict[str, tuple[object, str, int]]:
    files = sorted(glob.glob(os.path.join(directory, "*.conf")))
    if not files:
        raise ConfigError(directory, 0, "no *.conf files in the configuration directory")
    out: dict[str, tuple[object, str, int]] = {}
    for path in files:
        with open(path, encoding="utf-8") as fh:
            for n, raw in enumerate(fh, 1):
                line = raw.strip()
                if not line or line.startswith("#"):
                    continue
                m = re.fullmatch(r"([a-z_]+\.[a-z_]+)\s*=\s*(.*)", line)
                if not m:
                    raise ConfigError(path, n, f"syntax error, expected 'section.key = value': "
                                               f"{line!r}")
                value: object = m.group(2)
                if str(value).isdigit():
                    value = int(str(value))
                out[m.group(1)] = (value, path, n)
    return out


def load(path: str) -> dict[str, tuple[object, str, int]]:
    conf = load_kv_dir(path) if os.path.isdir(path) else load_toml(path)
    for key, (_, where, line) in conf.items():
        if key not in KNOWN:
            raise ConfigError(where, line, f"unknown setting {key!r}")
    return conf


class Settings:
    def __init__(self, conf: dict[str, tuple[object, str, int]], where: str) -> None:
        self.conf, self.where = conf, where
        self.address = str(self.get("listen.address", "127.0.0.1"))
        self.port = self.integer("listen.port", 1, 65535)
        self.workers = self.integer("listen.workers", 0, 16, 0)
        self.run_dir = str(self.get("paths.run_dir"))
        self.state_dir = str(self.get("paths.state_dir"))
        self.log_file = str(self.get("paths.log_file", ""))
        self.upstream = str(self.get("upstream.address", ""))
        self.token_file = str(self.get("auth.token_file", ""))
        if self.upstream and not re.fullmatch(r"[\w.-]+:\d+", self.upstream):
            _, path, line = conf["upstream.address"]
            raise ConfigError(path, line, f"upstream address must be HOST:PORT, got "
                                          f"{self.upstream!r}")

    def get(self, key: str, default: object = None) -> object:
        if key in self.conf:
            return self.conf[key][0]
        if default is None:
            raise ConfigError(self.where, 0, f"required setting {key!r} is missing")
        return default

    def integer(self, key: str, lo: int, hi: int, default: int | None = None) -> int:
        value = self.get(key, default)
        _, path, line = self.conf.get(key, (None, self.where, 0))
        if not isinstance(value, int) or isinstance(value, bool):
            raise ConfigError(path, line, f"{key} must be an integer, got {value!r}")
        if not lo <= value <= hi:
            raise ConfigError(path, line, f"{key} = {value} is out of range ({lo}-{hi})")
        return value


class Daemon:
    def __init__(self, name: str, s: Settings) -> None:
        self.name, self.s = name, s
        self.master = os.getpid()
        self.children: list[int] = []

    def log(self, level: str, message: str) -> None:
        line = f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {self.name}[{os.getpid()}]: " \
               f"<{level}> {message}"
        if self.s.log_file:
            try:
                with open(self.s.log_file, "a", encoding="utf-8") as fh:
                    fh.write(line + "\n")
                return
            except OSError as exc:
                print(f"{self.name}: cannot write {self.s.log_file}: {exc}", file=sys.stderr,
                      flush=True)
        print(line, file=sys.stderr if level in ("crit", "err") else sys.stdout, flush=True)

    def die(self, message: str) -> None:
        self.log("crit", message)
        raise SystemExit(1)

    def preflight(self) -> None:
        if self.s.token_file:
            try:
                with open(self.s.token_file, encoding="utf-8") as fh:
                    tok = dict(ln.strip().split("=", 1) for ln in fh if "=" in ln)
            except OSError as exc:
                self.die(f"cannot read API token {self.s.token_file}: {exc}")
            expires = datetime.date.fromisoformat(tok.get("expires", "1970-01-01").strip())
            if expires < datetime.date.today():
                self.die(f"API token {tok.get('id', '?').strip()} ({self.s.token_file}) expired "
                         f"on {expires}: the upstream rejects it with 401. Issue a new token in "
                         "the vendor portal; exiting")
        pid_file = os.path.join(self.s.run_dir, f"{self.name}.pid")
        try:
            with open(pid_file, "w", encoding="utf-8") as fh:
                fh.write(f"{os.getpid()}\n")
        except OSError as exc:
            self.die(f"cannot create pid file {pid_file}: [Errno {exc.errno}] {exc.strerror}")
        if self.s.upstream:
            host, port = self.s.upstream.rsplit(":", 1)
            try:
                socket.create_connection((host, int(port)), timeout=2).close()
            except OSError as exc:
                self.die(f"upstream {self.s.upstream} unreachable: [Errno {exc.errno}] "
                         f"{exc.strerror}; giving up")
        if not os.path.isdir(self.s.state_dir):
            self.die(f"state directory {self.s.state_dir} is missing")

    def save_state(self) -> None:
        path = os.path.join(self.s.state_dir, "state.json")
        with open(path + ".tmp", "w", encoding="utf-8") as fh:
            json.dump({"pid": self.master, "started": time.time()}, fh)
        os.replace(path + ".tmp", path)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        daemon = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.split("?")[0] in ("/", "/status"):
                    worker = f" worker={os.getpid()}" if os.getpid() != daemon.master else ""
                    status, body = 200, f"{daemon.name} ok pid={daemon.master}{worker}\n"
                else:
                    status, body = 404, "not found\n"
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                return

        return Handler

    def run(self) -> int:
        self.log("notice", f"starting (configuration {self.s.where})")
        self.preflight()
        cls = HTTPServer if self.s.workers else ThreadingHTTPServer
        try:
            server = cls((self.s.address, self.s.port), self.handler())
        except OSError as exc:
            self.die(f"bind() to {self.s.address}:{self.s.port} failed: [Errno {exc.errno}] "
                     f"{exc.strerror}")
        self.save_state()
        self.log("notice", f"ready on {self.s.address}:{self.s.port} "
                           f"({self.s.workers or 'no'} workers)")
        if not self.s.workers:
            server.serve_forever()
            return 0
        for _ in range(self.s.workers):
            pid = os.fork()
            if pid == 0:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                try:
                    server.serve_forever()
                finally:
                    os._exit(0)
            self.children.append(pid)
        server.socket.close()

        def stop(*_: object) -> None:
            for child in self.children:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child, signal.SIGTERM)
            raise SystemExit(0)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        pid, status = os.wait()
        self.log("err", f"worker {pid} exited with status {status}; shutting down")
        stop()
        return 1


def main() -> int:
    parser = argparse.ArgumentParser(description="a small packaged daemon")
    parser.add_argument("--name", required=True)
    parser.add_argument("--config", required=True,
                        help="TOML file or directory of key=value *.conf files")
    parser.add_argument("--check-config", action="store_true",
                        help="test the configuration and exit (0: OK, 78: error)")
    args = parser.parse_args()
    try:
        settings = Settings(load(args.config), args.config)
    except ConfigError as exc:
        print(f"{args.name}: [emerg] {exc.path}:{exc.line}: {exc.message}", file=sys.stderr,
              flush=True)
        if args.check_config:
            print(f"{args.name}: configuration file {args.config} test failed", file=sys.stderr,
                  flush=True)
        return EX_CONFIG
    except OSError as exc:
        print(f"{args.name}: [emerg] cannot open configuration {args.config}: {exc}",
              file=sys.stderr, flush=True)
        return EX_CONFIG
    if args.check_config:
        print(f"{args.name}: the configuration file {args.config} syntax is ok\n"
              f"{args.name}: configuration file {args.config} test is successful")
        return 0
    return Daemon(args.name, settings).run()


if __name__ == "__main__":
    sys.exit(main())
