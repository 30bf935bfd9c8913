"""A small service for the pass-3 remedy tests (file restored from the git backups, disk full,
out of memory, crash loop).

    pass3_app.py --config CONFIG.conf

CONFIG is ``key = value`` lines: ``port`` (required), ``log_file`` (it writes a start line
there; a full disk makes it fail with ``[Errno 28] No space left on device``), ``lock_file``
(while that file exists the app refuses to start: ``fatal: … is locked``, a crash that a
restart cures once the lock is gone). A missing config makes it fail with
``[Errno 2] No such file or directory: 'CONFIG'``.
"""

from __future__ import annotations

import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def say(level: str, message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} pass3 {level}: {message}", file=sys.stderr, flush=True)


def main() -> None:
    config = Path(sys.argv[sys.argv.index("--config") + 1])
    try:
        text = config.read_text()
    except OSError as exc:
        say("ERROR", f"cannot read config: {exc}")
        sys.exit(1)
    values = {k.strip(): v.strip() for k, _, v in
              (line.partition("=") for line in text.splitlines() if "=" in line)}
    lock = values.get("lock_file")
    if lock and Path(lock).exists():
        say("FATAL", f"worker crashed: {lock} is locked by another instance")
        sys.exit(1)
    if values.get("log_file"):
        try:
            with open(values["log_file"], "a") as log:
                log.write(f"{time.strftime('%H:%M:%S')} started\n" + "x" * 4096 + "\n")
        except OSError as exc:
            say("CRIT", f"cannot write {values['log_file']}: {exc}")
            sys.exit(1)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"pass3 ok\n"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", int(values["port"])), Handler)
    say("INFO", f"listening on 127.0.0.1:{values['port']}")
    server.serve_forever()


if __name__ == "__main__":
    main()
