"""The wire between the CLI and a running `shturman serve`: where the socket is and how big a
line may be. Newline-delimited JSON over a Unix socket in SHTURMAN_HOME (mode 0600).

Client → daemon, one request line: ``{"op": "exec"|"run"|"plan", "lang": "ru"|"en", …}``.
Daemon → client, then, one or more lines, each ``{"type": …}``:

- ``results`` (exec: ``rows``, ``pinned``) or ``decided`` (plan: ``answers``): the answer, last;
- ``event`` (run: one run event, as ``RunEvent.as_json``), ``pinned`` (a host key pinned now);
- ``approval`` (run: a command needs a person; the client answers with one line
  ``{"approve": true|false}``); ``finished`` (run: the last line);
- ``fallback``: the daemon will not do this one (it needs a person's answer before anything
  runs): the client does the work in-process; ``error``: ``message`` (a sentence) and ``code``.

A client that disconnects mid-request cancels it (commands are interrupted and recorded so).
"""

from __future__ import annotations

from pathlib import Path

SOCKET_NAME = "shturman.sock"
LINE_LIMIT = 64 * 1024 * 1024  # a reply line carries capped outputs of many servers


def socket_path(home: Path | str) -> Path:
    return Path(home) / SOCKET_NAME
