"""A small web service for fault scenarios (stdlib only, run by the test host's /usr/bin/python3).

It behaves like a typical in-house Python service: it reads what it needs at start-up and dies
with the error a real program prints when something is wrong — an uncaught traceback naming the
path (``FileNotFoundError``, ``PermissionError``), ``Address already in use`` from ``bind()``,
a fatal line for a log file it cannot write ("No space left on device") or a redis it cannot
reach ("Connection refused"). Everything it says goes to stderr, which the journal captures.

    app.py --name NAME --port PORT [--www DIR] [--data-dir DIR] [--log-file FILE]
    env REDIS_URL=redis://HOST:PORT/DB  (optional dependency, checked at start and per request)
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


def log(name: str, level: str, message: str) -> None:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
    print(f"{stamp} {level} {name}[{os.getpid()}]: {message}", file=sys.stderr, flush=True)


def redis_ping(url: str, timeout: float = 2.0) -> None:
    """PING the redis at ``url``; raises OSError (e.g. ConnectionRefusedError) when it is down."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 6379
    with socket.create_connection((host, port), timeout=timeout) as conn:
        conn.sendall(b"PING\r\n")
        reply = conn.recv(64)
    if not reply.startswith(b"+PONG"):
        raise OSError(f"unexpected reply from redis at {host}:{port}: {reply!r}")


class App:
    def __init__(self, args: argparse.Namespace) -> None:
        self.name: str = args.name
        self.www: str | None = args.www
        self.data_dir: str | None = args.data_dir
        self.log_file: str | None = args.log_file
        self.redis_url = os.environ.get("REDIS_URL", "")
        self.requests = 0

    def write_log(self, message: str) -> None:
        if not self.log_file:
            return
        try:
            with open(self.log_file, "a", encoding="utf-8") as fh:
                fh.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {message}\n")
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            log(self.name, "CRITICAL",
                f"cannot write to log file {self.log_file}: [Errno {exc.errno}] {exc.strerror}")
            raise SystemExit(1) from None

    def check_start(self) -> None:
        """What the service needs before it may listen (raises with the real error)."""
        self.write_log(f"{self.name} starting")
        if self.www:
            with open(os.path.join(self.www, "index.html"), encoding="utf-8") as fh:
                fh.read()
        if self.data_dir:
            os.listdir(self.data_dir)
            self.save_state()
        if self.redis_url:
            parts = urlsplit(self.redis_url)
            where = f"{parts.hostname}:{parts.port}"
            try:
                redis_ping(self.redis_url)
            except OSError as exc:
                log(self.name, "CRITICAL",
                    f"cannot connect to redis at {where}: Error {exc.errno} connecting to "
                    f"{where}. {exc.strerror or exc}.")
                raise SystemExit(1) from None
            log(self.name, "INFO", f"connected to redis at {where}")

    def save_state(self) -> None:
        assert self.data_dir
        path = os.path.join(self.data_dir, "state.json")
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump({"requests": self.requests, "pid": os.getpid()}, fh)
        os.replace(tmp, path)

    def page(self) -> tuple[int, bytes]:
        self.requests += 1
        if self.redis_url:
            try:
                redis_ping(self.redis_url)
            except OSError as exc:
                return 503, f"redis unavailable: {exc}\n".encode()
        if self.data_dir:
            self.save_state()
        self.write_log(f"GET / #{self.requests}")
        if self.www:
            with open(os.path.join(self.www, "index.html"), "rb") as fh:
                return 200, fh.read()
        return 200, f"{self.name} ok\n".encode()


def make_handler(app: App) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            try:
                status, body = app.page()
            except OSError as exc:
                log(app.name, "ERROR", f"GET {self.path}: {exc}")
                status, body = 500, b"internal error\n"
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    return Handler


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--name", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--www")
    parser.add_argument("--data-dir")
    parser.add_argument("--log-file")
    args = parser.parse_args()
    app = App(args)
    log(app.name, "INFO", "starting")
    app.check_start()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(app))
    log(app.name, "INFO", f"listening on 127.0.0.1:{args.port}")
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
