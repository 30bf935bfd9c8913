"""structlog set-up: JSON lines to a file under SHTURMAN_HOME, readable text to stderr."""

from __future__ import annotations

import logging
from pathlib import Path

import structlog

QUIET_LIBRARIES = ("asyncssh", "alembic", "sqlalchemy", "aiosqlite", "asyncpg", "httpx",
                   "openai", "anthropic", "pydantic_ai")


def configure(log_dir: Path | None = None, level: int = logging.INFO, json: bool = True) -> None:
    handlers: list[logging.Handler] = []
    if log_dir is not None:
        try:
            log_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            handlers.append(logging.FileHandler(log_dir / "shturman.log", encoding="utf-8"))
        except OSError:
            pass  # an unwritable log dir must not stop the command; stderr still gets warnings
    stderr = logging.StreamHandler()
    stderr.setLevel(logging.WARNING)
    handlers.append(stderr)
    logging.basicConfig(level=level, handlers=handlers, format="%(message)s", force=True)
    # Libraries that log command lines or protocol details at INFO (asyncssh logs every
    # command it sends) would put unredacted text into the file: warnings only.
    for noisy in QUIET_LIBRARIES:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
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
    return structlog.get_logger(name)  # type: ignore[no-any-return]
