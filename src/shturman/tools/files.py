"""File tools: read a file, write one (always with a backup and a diff shown for approval)."""

from __future__ import annotations

import difflib
import shlex
import time

from shturman.domain.models import Risk
from shturman.tools.base import ToolContext, ToolResult, tool

HEREDOC_MARK = "SHTURMAN_EOF"


def _check_path(path: str) -> str:
    if not path.startswith("/") and not path.startswith("~/"):
        raise ValueError(f"use an absolute path, not {path!r}")
    if "\x00" in path or "\n" in path:
        raise ValueError("invalid path")
    return path


@tool(risk=Risk.READ)
async def read_file(ctx: ToolContext, server: str, path: str, max_lines: int = 400
                    ) -> ToolResult:
    """Read a text file (first lines). Credential files are refused by the policy."""
    _check_path(path)
    record = await ctx.sh(server, f"head -n {max(1, min(max_lines, 5000))} {shlex.quote(path)}")
    ok = record.outcome == "ok"
    return ToolResult("read_file", server, ok, f"{path}: {len(record.stdout.splitlines())} lines"
                      if ok else f"{path}: {record.stderr.strip() or record.outcome}", (record,))


@tool(risk=Risk.CHANGE)
async def write_file(ctx: ToolContext, server: str, path: str, content: str) -> ToolResult:
    """Replace a file's content. Keeps a timestamped backup; the approval shows the diff."""
    _check_path(path)
    if HEREDOC_MARK in content:
        raise ValueError("content contains the reserved heredoc marker")
    if not content.endswith("\n"):
        content += "\n"
    quoted = shlex.quote(path)
    current = await ctx.sh(server, f"cat {quoted}")
    old = current.stdout if current.outcome == "ok" else ""
    diff = "".join(difflib.unified_diff(old.splitlines(True), content.splitlines(True),
                                        f"{path} (now)", f"{path} (new)"))
    backup = f"{path}.shturman-{time.strftime('%Y%m%d%H%M%S')}.bak"
    save = f"cp -a {quoted} {shlex.quote(backup)}" if current.outcome == "ok" else "true"
    command = f"{save} && cat > {quoted} <<'{HEREDOC_MARK}'\n{content}{HEREDOC_MARK}"
    record = await ctx.sh(server, command, diff=diff, touches=(path,))
    ok = record.outcome == "ok"
    return ToolResult("write_file", server, ok,
                      f"wrote {path} (backup {backup})" if ok else f"write failed: "
                      f"{record.error or record.stderr.strip()}", (current, record), changed=ok,
                      data={"backup": backup if current.outcome == "ok" else None})
