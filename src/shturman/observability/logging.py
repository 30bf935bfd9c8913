"""structlog set-up: JSON lines to a file under SHTURMAN_HOME, readable text to stderr.

Every record passes the one redaction pass before any handler writes it (the composition root
installs the vault-aware redactor with :func:`use_redactor`; until then secret-shaped patterns
are masked). The log file is private to its owner (0600)."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # structlog (with its rich console renderer) costs ~50 ms: loaded on first use
    import structlog

QUIET_LIBRARIES = ("asyncssh", "alembic", "sqlalchemy", "aiosqlite", "asyncpg", "httpx",
                   "openai", "anthropic", "pydantic_ai")


def configure(log_dir: Path | None = None, level: int = logging.INFO, json: bool = True) -> None:
    handlers: list[logging.Handler] = []
    if log_dir is not None:
        try:
            for missing in reversed([d for d in (log_dir, *log_dir.parents) if not d.exists()]):
                missing.mkdir(mode=0o700, exist_ok=True)  # the data directory too: 0700
            handlers.append(logging.FileHandler(log_dir / "shturman.log", encoding="utf-8"))
            os.chmod(log_dir / "shturman.log", 0o600)
        except OSError:
            pass  # an unwritable log dir must not stop the command; stderr still gets warnings
    stderr = logging.StreamHandler()
    stderr.setLevel(logging.WARNING)
    handlers.append(stderr)
    for handler in handlers:
        handler.addFilter(RedactingFilter())
    logging.basicConfig(level=level, handlers=handlers, format="%(message)s", force=True)
    # Libraries that log command lines or protocol details at INFO (asyncssh logs every
    # command it sends) would put unredacted text into the file: warnings only.
    for noisy in QUIET_LIBRARIES:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    _style["json"] = json
    if "structlog" in sys.modules:  # already in use: re-apply the set-up now
        _configure_structlog()


_style = {"json": True}  # the renderer chosen by configure(), applied when structlog loads
_redaction: dict[str, Callable[[str], str]] = {}  # set by use_redactor()


def use_redactor(redact: Callable[[str], str] | None) -> None:
    """Make every log record pass ``redact`` (the app's Redactor, with the vault's values);
    None goes back to secret-shaped patterns only."""
    if redact is None:
        _redaction.pop("redact", None)
    else:
        _redaction["redact"] = redact


def redact(text: str) -> str:
    chosen = _redaction.get("redact")
    if chosen is None:  # no vault values known yet: secret-shaped patterns only
        from shturman.policy.redaction import Redactor

        chosen = _redaction["redact"] = Redactor().redact
    return chosen(text)


class RedactingFilter(logging.Filter):
    """Formats a record's message (and traceback) and redacts it before a handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info:
            message = f"{message}\n{logging.Formatter().formatException(record.exc_info)}"
            record.exc_info = None
        if record.stack_info:
            message = f"{message}\n{record.stack_info}"
            record.stack_info = None
        record.msg, record.args, record.exc_text = redact(message), (), None
        return True


def _configure_structlog() -> None:
    import structlog

    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if _style["json"] else structlog.dev.ConsoleRenderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    import structlog

    if not structlog.is_configured():
        _configure_structlog()
    return structlog.get_logger(name)  # type: ignore[no-any-return]
