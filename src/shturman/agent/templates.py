"""Jinja templates for prompts and reports (StrictUndefined: a missing value is a bug)."""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined


@cache
def environment() -> Environment:
    return Environment(
        loader=PackageLoader("shturman.agent", "prompts"),
        undefined=StrictUndefined,
        autoescape=False,  # plain text for models and terminals; web escapes on its own
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


def render(name: str, **values: Any) -> str:
    return environment().get_template(name).render(**values).strip()


def template_names() -> list[str]:
    return [n for n in environment().list_templates() if n.endswith(".j2")]
