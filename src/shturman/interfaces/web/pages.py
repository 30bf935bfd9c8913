"""Pages and fragments from Jinja templates (autoescaped, strict about undefined names).

Every page gets the header's context: who is logged in, the unread count of the bell, the
catalogue bound to the user's language, and a notice picked from a closed set by its key
(``?notice=KEY``: nothing from the URL is shown as text).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from shturman.interfaces.i18n import t
from shturman.interfaces.web.deps import WebUser, config, services

NOTICES = frozenset({
    "approved", "denied", "answered", "expired", "abandoned", "unknown_approval",
    "forbidden", "read", "all_read", "saved", "logged_out", "run_started",
})


class Pages:
    def __init__(self, htmx: bool) -> None:
        self.htmx = htmx
        self.env = Environment(
            loader=FileSystemLoader(Path(__file__).parent / "templates"),
            autoescape=select_autoescape(["html"], default_for_string=True, default=True),
            undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)

    def fragment(self, name: str, lang: str, **values: Any) -> str:
        return self.env.get_template(name).render(self._base(lang), **values)

    async def page(self, request: Request, name: str, me: WebUser | None, *,
                   status_code: int = 200, **values: Any) -> HTMLResponse:
        lang = me.lang if me is not None else config(request).language
        unread = 0
        if me is not None:
            unread = len(await services(request).notifications.list(me.name, unread=True,
                                                                    limit=100))
        notice = request.query_params.get("notice", "")
        context = {**self._base(lang), "me": me, "unread": unread,
                   "notice": t(f"web.notice.{notice}", lang) if notice in NOTICES else "",
                   "version": config(request).version, **values}
        html = self.env.get_template(name).render(context)
        return HTMLResponse(html, status_code=status_code)

    def _base(self, lang: str) -> dict[str, Any]:
        def tr(key: str, **values: object) -> str:
            return t(key, lang, **values)

        return {"t": tr, "lang": lang, "htmx": self.htmx}


def pages(request: Request) -> Pages:
    found: Pages = request.app.state.pages
    return found
