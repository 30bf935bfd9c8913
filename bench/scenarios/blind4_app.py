#!/usr/bin/python3
"""A small vendor daemon for the ``blind4`` fault scenarios (stdlib only).

Installed as ``/opt/<vendor>/<app>/bin/<app>`` (or elsewhere):

    APP --name NAME --config PATH [--test]

``PATH`` may be relative: it is resolved against the working directory (the unit's
``WorkingDirectory=``), and so are the relative paths inside the configuration. The format
follows the file name: ``*.ini`` (``[section]`` / ``key = value``), ``*.yaml``/``*.yml`` (two
levels of ``key: value``, spaces only) or ``*.json`` (an object of objects).

Settings (section.key):

    listen.host, listen.port            (port required)
    log.file                            (optional; syslog-style lines, ONLY there once it opens)
    log.quota_mb                        (optional; the log directory is a volume of that size:
                                         when the files in it exceed it, writing fails ENOSPC)
    paths.spool                         (optional; must exist and be a directory)
    paths.pid_file                      (optional; written at start-up)
    auth.key_file                       (optional; must be readable and non-empty)
    upstream.address = HOST:PORT        (optional; must accept TCP at start-up)
    env.require = VAR1,VAR2             (optional; each must be set and non-empty)
    geo.db                              (optional; a GEO1 database file: header + records)

``--test`` checks the configuration only: exit 0 ("… test is successful") or 78 with
``NAME: [emerg] FILE:LINE: message``. GET / and /health answer ``NAME ok pid=PID``.
"""

from __future__ import annotations

import argparse
import configparser
import json
import os
import re
import socket
import struct
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

EX_CONFIG = 78
KNOWN = {"listen.host", "listen.port", "log.file", "log.quota_mb", "paths.spool",
         "paths.pid_file", "auth.key_file", "upstream.address", "env.require", "geo.db"}


class ConfigError(Exception):
    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line, self.message = path, line, message


def _scalar(text: str) -> object:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    return text


def load_yaml(path: str) -> dict[str, tuple[object, int]]:
    out: dict[str, tuple[object, int]] = {}
    section = ""
    with open(path, encoding="utf-8") as fh:
        for n, raw in enumerate(fh, 1):
            line = raw.rstrip("\n")
            if "\t" in line[: len(line) - len(line.lstrip())]:
                raise ConfigError(path, n, "found character '\\t' that cannot start any token "
                                           "(tabs are not allowed for indentation)")
            body = line.split(" #", 1)[0].rstrip() if not line.lstrip().startswith("#") else ""
            if not body.strip():
                continue
            indent = len(body) - len(body.lstrip(" "))
            m = re.fullmatch(r"([A-Za-z_][\w-]*):(?:\s+(.*))?", body.strip())
            if not m:
                raise ConfigError(path, n, f"could not find expected ':' in {body.strip()!r}")
            key, value = m.group(1), m.group(2)
            if indent == 0:
                if value is not None and value != "":
                    raise ConfigError(path, n, f"top-level key {key!r} must be a mapping")
                section = key
            elif indent == 2 and section:
                if value is None:
                    raise ConfigError(path, n, f"mapping values are not allowed here ({key!r})")
                out[f"{section}.{key}"] = (_scalar(value), n)
            else:
                raise ConfigError(path, n, f"bad indentation of a mapping entry ({indent} "
                                           "spaces; use 2)")
    return out


def _line_of(path: str, key: str) -> int:
    try:
        with open(path, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if re.search(rf"[\"']?\b{re.escape(key)}\b[\"']?\s*[:=]", line):
                    return n
    except OSError:
        pass
    return 0


def load_json(path: str) -> dict[str, tuple[object, int]]:
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(path, exc.lineno, f"{exc.msg} (column {exc.colno})") from None
    if not isinstance(data, dict):
        raise ConfigError(path, 1, "the top level must be an object")
    out: dict[str, tuple[object, int]] = {}
    for section, body in data.items():
        if not isinstance(body, dict):
            raise ConfigError(path, _line_of(path, section), f"{section!r} must be an object")
        for key, value in body.items():
            out[f"{section}.{key}"] = (value, _line_of(path, key))
    return out


def load_ini(path: str) -> dict[str, tuple[object, int]]:
    cp = configparser.ConfigParser(interpolation=None)
    try:
        with open(path, encoding="utf-8") as fh:
            cp.read_file(fh)
    except configparser.MissingSectionHeaderError as exc:
        raise ConfigError(path, exc.lineno, "setting outside of any [section]") from None
    except configparser.ParsingError as exc:
        line = exc.errors[0][0] if exc.errors else 0
        raise ConfigError(path, line, f"parse error: {exc.errors[0][1] if exc.errors else ''}"
                          ) from None
    except configparser.Error as exc:
        raise ConfigError(path, getattr(exc, "lineno", 0) or 0, str(exc).splitlines()[0]
                          ) from None
    out: dict[str, tuple[object, int]] = {}
    for section in cp.sections():
        for key, value in cp.items(section):
            out[f"{section}.{key}"] = (_scalar(value), _line_of(path, key))
    return out


def load(path: str) -> dict[str, tuple[object, int]]:
    if path.endswith((".yaml", ".yml")):
        conf = load_yaml(path)
    elif path.endswith(".json"):
        conf = load_json(path)
    else:
        conf = load_ini(path)
    for key, (_, line) in conf.items():
        if key not in KNOWN:
            raise ConfigError(path, line, f"unknown setting {key!r}")
    if "listen.port" not in conf:
        raise ConfigError(path, 0, "required setting 'listen.port' is missing")
    port, line = conf["listen.port"]
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        raise ConfigError(path, line, f"listen.port must be an integer 1-65535, got {port!r}")
    return conf


class Daemon:
    def __init__(self, name: str, conf: dict[str, tuple[object, int]]) -> None:
        self.name = name
        self.c = {k: v[0] for k, v in conf.items()}
        self.log_file = str(self.c.get("log.file", ""))
        self.host = socket.gethostname().split(".")[0]

    def log(self, level: str, message: str) -> None:
        stamp = time.strftime("%b %e %H:%M:%S")
        line = f"{stamp} {self.host} {self.name}[{os.getpid()}]: {level}: {message}"
        if self.log_file:
            try:
                self.quota_check(len(line) + 1)
                with open(self.log_file, "a", encoding="utf-8") as fh:
                    fh.write(line + "\n")
                return
            except OSError as exc:
                print(f"{stamp} {self.name}[{os.getpid()}]: crit: cannot write {self.log_file}: "
                      f"{exc}", file=sys.stderr, flush=True)
                raise SystemExit(1) from None
        print(line, file=sys.stderr if level in ("crit", "error") else sys.stdout, flush=True)

    def quota_check(self, extra: int) -> None:
        quota = self.c.get("log.quota_mb")
        if not quota:
            return
        d = os.path.dirname(os.path.abspath(self.log_file))
        used = 0
        for entry in os.scandir(d):
            if entry.is_file(follow_symlinks=False):
                used += entry.stat().st_size
        limit = int(quota) * 1024 * 1024
        if used + extra > limit:
            raise OSError(28, f"No space left on device (log volume {d}: "
                              f"{used / 1048576:.1f} MiB used of {int(quota)} MiB)",
                          self.log_file)

    def die(self, message: str) -> None:
        self.log("crit", message)
        raise SystemExit(1)

    def preflight(self) -> None:
        for var in [v.strip() for v in str(self.c.get("env.require", "")).split(",") if v.strip()]:
            if not os.environ.get(var):
                self.die(f"required environment variable {var} is not set; exiting")
        key = str(self.c.get("auth.key_file", ""))
        if key:
            try:
                with open(key, encoding="utf-8") as fh:
                    if not fh.read().strip():
                        self.die(f"signing key {key} is empty")
            except OSError as exc:
                self.die(f"cannot read key file {key}: [Errno {exc.errno}] {exc.strerror}")
        spool = str(self.c.get("paths.spool", ""))
        if spool and not os.path.isdir(spool):
            self.die(f"spool directory {spool} does not exist "
                     f"(cwd {os.getcwd()}); refusing to start")
        pid_file = str(self.c.get("paths.pid_file", ""))
        if pid_file:
            try:
                with open(pid_file, "w", encoding="utf-8") as fh:
                    fh.write(f"{os.getpid()}\n")
            except OSError as exc:
                self.die(f"cannot write pid file {pid_file}: [Errno {exc.errno}] {exc.strerror}")
        up = str(self.c.get("upstream.address", ""))
        if up:
            host, _, port = up.rpartition(":")
            try:
                socket.create_connection((host, int(port)), timeout=2).close()
            except (OSError, ValueError) as exc:
                self.die(f"backend {up} unreachable: {exc}; giving up")
        db = str(self.c.get("geo.db", ""))
        if db:
            self.log("info", f"loading geo database {db}")
            n = load_geo(db)  # a corrupt file raises: the traceback goes to stderr
            self.log("info", f"geo database: {n} records")

    def serve(self) -> None:
        daemon = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.split("?")[0] in ("/", "/health"):
                    status, body = 200, f"{daemon.name} ok pid={os.getpid()}\n"
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

        host = str(self.c.get("listen.host", "127.0.0.1"))
        port = int(self.c["listen.port"])  # type: ignore[call-overload]
        self.log("notice", f"starting, configuration read, cwd {os.getcwd()}")
        self.preflight()
        try:
            server = ThreadingHTTPServer((host, port), Handler)
        except OSError as exc:
            self.die(f"cannot bind {host}:{port}: [Errno {exc.errno}] {exc.strerror}")
        self.log("notice", f"listening on {host}:{port}")
        server.serve_forever()


def load_geo(path: str) -> int:
    with open(path, "rb") as fh:
        data = fh.read()
    magic, _version, count = struct.unpack_from("<4sHI", data, 0)
    if magic != b"GEO1":
        raise ValueError(f"{path}: not a GEO1 database (magic {magic!r})")
    offset = 10
    for _ in range(count):
        _start, _end, _cc = struct.unpack_from("<II2s", data, offset)
        offset += 10
    return count


def make_geo(path: str, count: int = 500) -> None:
    """Write a valid GEO1 database with ``count`` records (for the scenarios)."""
    blob = struct.pack("<4sHI", b"GEO1", 3, count)
    for i in range(count):
        blob += struct.pack("<II2s", i * 4096, i * 4096 + 4095, b"ZZ")
    with open(path, "wb") as fh:
        fh.write(blob)


def main() -> int:
    parser = argparse.ArgumentParser(description="a small vendor daemon")
    parser.add_argument("--name", required=True)
    parser.add_argument("--config", required=True, help="*.ini, *.yaml or *.json")
    parser.add_argument("--test", action="store_true",
                        help="test the configuration and exit (0: OK, 78: error)")
    args = parser.parse_args()
    try:
        conf = load(args.config)
    except ConfigError as exc:
        print(f"{args.name}: [emerg] {exc.path}:{exc.line}: {exc.message}", file=sys.stderr,
              flush=True)
        if args.test:
            print(f"{args.name}: configuration file {args.config} test failed", file=sys.stderr)
        return EX_CONFIG
    except OSError as exc:
        print(f"{args.name}: [emerg] cannot open configuration {args.config}: {exc} "
              f"(cwd {os.getcwd()})", file=sys.stderr, flush=True)
        return EX_CONFIG
    if args.test:
        print(f"{args.name}: configuration file {args.config} test is successful")
        return 0
    Daemon(args.name, conf).serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
