"""Where a unit's drop-ins are (``NAME.service.d/*.conf``), from ``systemctl status``.

systemd's own ``systemctl cat`` prints them after ``# /path`` headers; a manager that does not
(docker-systemctl-replacement) still names them in its status, as systemd does.
"""

from __future__ import annotations

import re

# `systemctl status`: "Drop-In: /etc/systemd/system/app.service.d" then "└─override.conf"
# lines (systemd), or one "Drop-In: /…/override.conf" line per file (systemctl3)
DROP_IN_RE = re.compile(r"^\s*Drop-In:\s*(?P<path>/\S+)\s*$")
DROP_IN_NAME_RE = re.compile(r"^\s*[└├│─`|-]+\s*(?P<names>[\w@.,\s-]+\.conf)\s*$")


def drop_in_paths(status: str) -> list[str]:
    """The drop-in files ``systemctl status`` names for a unit."""
    found: list[str] = []
    directory = ""
    for line in status.splitlines():
        if match := DROP_IN_RE.match(line):
            path = match.group("path").rstrip("/")
            if path.endswith(".conf"):
                found.append(path)
                directory = ""
            else:
                directory = path
        elif directory and re.fullmatch(r"\s+/\S+\.d/?", line):
            directory = line.strip().rstrip("/")  # systemd: the next drop-in directory
        elif directory and (names := DROP_IN_NAME_RE.match(line)):
            found += [f"{directory}/{n.strip()}" for n in names.group("names").split(",")
                      if n.strip().endswith(".conf")]
        elif not line.startswith((" ", "\t")) or ":" in line:
            directory = ""
    return list(dict.fromkeys(found))
