"""The web interface: the team's shared screen (FastAPI, Jinja2 pages with htmx, server-sent
events, a JSON API under ``/api``). See docs/web.md.

Thin like every interface: it authenticates, calls the services the composition root hands it
(:class:`WebServices`) and renders what they return. Modules, one noun each:

- ``application``: the app factory (routers, the auth gate, the ONE error mapping);
- ``server``: the daemon component (uvicorn on a socket it binds itself);
- ``auth``: sessions, API tokens, CSRF, roles; ``throttle``: the login rate limit;
- ``routes/``: one router per noun (pages and ``/api``), ``live``: server-sent events;
- ``pages`` + ``templates/`` + ``timeline``: what is shown, in the user's language.
"""

from shturman.interfaces.web.application import create_app
from shturman.interfaces.web.deps import WebConfig, WebServices
from shturman.interfaces.web.server import WebServer

__all__ = ["WebConfig", "WebServer", "WebServices", "create_app"]
