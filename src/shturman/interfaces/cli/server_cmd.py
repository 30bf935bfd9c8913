"""`shturman server …`: register, list, show, test and remove servers."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from shturman.interfaces.cli.runtime import out, run, with_container

if TYPE_CHECKING:
    from shturman.domain.errors import HostError
from shturman.interfaces.i18n import t

app = typer.Typer(help="Register and inspect servers. / Реестр серверов.", no_args_is_help=True)


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Short unique name, e.g. prod.")],
    host: Annotated[str, typer.Option("--host", help="Address or DNS name.")],
    port: Annotated[int, typer.Option(min=1, max=65535)] = 22,
    user: Annotated[str, typer.Option(help="SSH user.")] = "root",
    key: Annotated[Path | None, typer.Option(
        "--key", help="Private key file; its content is stored encrypted in the vault.")] = None,
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read the SSH password from standard input.")] = False,
    passphrase_stdin: Annotated[bool, typer.Option(
        "--passphrase-stdin", help="Read the key's passphrase from standard input.")] = False,
    agent: Annotated[bool, typer.Option("--agent", help="Authenticate with ssh-agent.")] = False,
    alias: Annotated[list[str] | None, typer.Option("--alias", help="Another name (repeat).")]
    = None,
    service: Annotated[list[str] | None, typer.Option(
        "--service", help="A service this server runs (repeat).")] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="A tag (repeat).")] = None,
    profile: Annotated[str, typer.Option(help="readonly | operator | admin.")] = "operator",
    no_connect: Annotated[bool, typer.Option(
        "--no-connect", help="Do not contact the server now (host key pinned later).")] = False,
) -> None:
    """Add a server. Secrets go to the encrypted vault, never to the config file.

    Добавить сервер. Секреты шифруются в хранилище и не попадают в конфигурацию."""
    from shturman.domain.errors import HostError
    from shturman.domain.models import AccessProfile, AuthMethod, Server

    lang = _quick_language(ctx)
    _check_name(name, lang)

    if sum((key is not None, password_stdin, agent)) > 1:
        _refuse(t("err.auth_several", lang), lang)
    auth = AuthMethod.PASSWORD if password_stdin else AuthMethod.AGENT if agent else AuthMethod.KEY
    secret = sys.stdin.readline().rstrip("\n") if password_stdin else None
    passphrase = sys.stdin.readline().rstrip("\n") if passphrase_stdin else None
    if password_stdin and not secret:
        _refuse(t("err.empty_ssh_password", lang), lang)
    private_key = None
    if key is not None:
        try:
            private_key = key.expanduser().read_text()
        except (OSError, UnicodeDecodeError) as exc:
            _refuse(t("err.key_unreadable", lang, path=key,
                      reason=getattr(exc, "strerror", None) or exc), lang)
        _check_private_key(key, private_key, lang)
    if auth is AuthMethod.KEY and key is None:
        _refuse(t("err.auth_missing", lang), lang)
    try:
        profile_value = AccessProfile(profile)
    except ValueError:
        raise typer.BadParameter("readonly | operator | admin", param_hint="--profile") from None

    async def work(settings: Any) -> None:
        from shturman.interfaces.i18n import t as say

        lang = settings.language
        _check_fields(name, host, lang)
        server = Server(name=name, host=host, port=port, user=user, auth=auth,
                        key_path=str(key.expanduser()) if key else None,
                        aliases=tuple(alias or ()), services=tuple(service or ()),
                        tags=tuple(tag or ()), profile=profile_value)

        async def body(c: Any) -> None:
            try:  # pins the host key, then logs in; a failed login registers nothing
                added = await c.server_access.add(
                    server, actor="cli:operator", password=secret, private_key=private_key,
                    passphrase=passphrase, connect=not no_connect)
            except HostError as exc:
                raise _login_failure(server, exc, lang) from None
            _say_added(c, server, added.how, lang)
            if not added.connected:
                return
            out.print(say("server.login_ok", lang, name=name, address=server.address))
            for pin in added.pinned:
                out.print(say("server.pinned", lang, name=pin.server, fingerprint=pin.fingerprint))

        await with_container(settings, body)

    run(ctx, work)


def _quick_language(ctx: typer.Context) -> str:
    """The language setting, read before the full settings load (for usage errors)."""
    from shturman.config_light import quick_settings
    from shturman.interfaces.cli.runtime import state

    return quick_settings(state(ctx).config).language


def _refuse(sentence: str, lang: str) -> NoReturn:
    """A wrong request (exit 2), said as one sentence in the setting's language by the one
    place errors are printed (``runtime.fail``), not as click's English usage frame."""
    from shturman.domain.errors import ShturmanError
    from shturman.interfaces.cli.runtime import fail

    fail(ShturmanError(sentence), lang)


def _check_name(name: str, lang: str) -> None:
    import re

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
        _refuse(t("err.bad_server_name", lang, name=name), lang)


def _check_fields(name: str, host: str, lang: str) -> None:
    """The config's own rules for a server entry, said in a sentence (no pydantic text)."""
    from shturman.domain.errors import ConfigError
    from shturman.interfaces.i18n import t

    if not host.strip() or any(ch.isspace() for ch in host):
        raise ConfigError(t("err.bad_server_field", lang, field="--host", value=host))


def _check_private_key(path: Path, text: str, lang: str) -> None:
    head = text.lstrip()[:80]
    if head.startswith(("ssh-", "ecdsa-", "sk-")) or path.name.endswith(".pub"):
        private = str(path)[: -len(".pub")] if str(path).endswith(".pub") else str(path)
        _refuse(t("err.pub_key", lang, path=path, private=private), lang)
    if "PRIVATE KEY" not in text[:200]:
        _refuse(t("err.not_a_key", lang, path=path), lang)


def _say_added(c: Any, server: Any, how: str, lang: str) -> None:
    from shturman.interfaces.i18n import t

    if how == "attached":
        out.print(t("server.attached", lang, name=server.name,
                    where=c.inventory.origin(server.name) or "shturman.yaml"))
    else:
        out.print(t("server.added", lang, name=server.name, address=server.address))


def _login_failure(server: Any, exc: HostError, lang: str) -> HostError:
    """The same error class (so the same exit code), said as what failed and what to do."""
    from shturman.domain.errors import AuthError, UnreachableError
    from shturman.interfaces.i18n import host_detail, t

    if isinstance(exc, AuthError) and not exc.detail.startswith(("cannot load", "no ")):
        key = "err.login_password" if server.auth.value == "password" else "err.login_auth"
        return AuthError(server.name, t(key, lang, user=server.user, auth=server.auth.value))
    if isinstance(exc, UnreachableError):
        detail = host_detail(exc.detail, lang)
        return UnreachableError(server.name, t("err.login_unreachable", lang,
                                               address=server.address, detail=detail))
    return exc


@app.command("list")
def list_(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List every server: `local`, the config file's and the registered ones."""

    async def work(settings: Any) -> None:
        async def body(c: Any) -> None:
            servers = await c.inventory.all()
            rows = [{"name": s.name, "address": s.address, "auth": s.auth.value,
                     "aliases": list(s.aliases), "services": list(s.services),
                     "tags": list(s.tags), "profile": s.profile.value,
                     "source": await c.inventory.source(s.name)} for s in servers]
            if as_json:
                print(json.dumps(rows, ensure_ascii=False))
                return
            from rich.table import Table

            table = Table()
            # name and address:port never wrap (they are what one copies); the rest fold
            lang = settings.language
            table.add_column(t("col.name", lang), no_wrap=True)
            table.add_column(t("col.address", lang), no_wrap=True)
            for column in ("auth", "aliases", "services", "tags", "source"):
                table.add_column(t(f"col.{column}", lang), overflow="fold")
            for r in rows:
                table.add_row(r["name"], r["address"], r["auth"], ", ".join(r["aliases"]),
                              ", ".join(r["services"]), ", ".join(r["tags"]), r["source"])
            out.print(table)

        await with_container(settings, body)

    run(ctx, work)


@app.command("show")
def show(ctx: typer.Context, name: Annotated[str, typer.Argument(help="Name or alias.")],
         as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Show one server and its pinned host key (never a secret)."""

    async def work(settings: Any) -> None:
        async def body(c: Any) -> None:
            s = await c.inventory.get(name)
            pin = await c.inventory.host_key(s.name)
            data = {"name": s.name, "host": s.host, "port": s.port, "user": s.user,
                    "auth": s.auth.value, "key_path": s.key_path, "aliases": list(s.aliases),
                    "services": list(s.services), "tags": list(s.tags),
                    "profile": s.profile.value, "host_key_fingerprint": pin[1] if pin else None,
                    "source": await c.inventory.source(s.name)}
            if as_json:
                print(json.dumps(data, ensure_ascii=False))
                return
            for k, v in data.items():
                shown = t("server.no_pin", settings.language) if v is None and k.startswith(
                    "host_key") else v
                out.print(f"{k:>22}: {shown}", markup=False)

        await with_container(settings, body)

    run(ctx, work)


@app.command("test")
def test(ctx: typer.Context, name: Annotated[str, typer.Argument(help="Name or alias.")],
         as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Connect and report OS, kernel, service manager, disk and memory.

    Проверить подключение и собрать факты о сервере."""

    async def work(settings: Any) -> None:
        async def body(c: Any) -> None:
            from dataclasses import asdict

            from shturman.domain.models import Actor

            server = await c.inventory.get(name)
            facts = await c.commands.facts(server, actor=Actor("cli", "operator"))
            pin = await c.inventory.host_key(server.name)
            data = {"server": server.name, **asdict(facts),
                    "host_key_fingerprint": pin[1] if pin else None}
            if as_json:
                print(json.dumps(data, ensure_ascii=False))
                return
            out.print(t("server.test_ok", settings.language, name=server.name))
            for k, v in data.items():
                if v:
                    out.print(f"{k:>22}: {v}", markup=False)

        await with_container(settings, body)

    run(ctx, work)


@app.command("rm")
def rm(ctx: typer.Context, name: Annotated[str, typer.Argument(help="Server name.")]) -> None:
    """Remove a registered server and its secrets from the vault."""

    async def work(settings: Any) -> None:
        async def body(c: Any) -> None:
            await c.inventory.remove(name, actor="cli:operator")
            out.print(t("server.removed", settings.language, name=name))

        await with_container(settings, body)

    run(ctx, work)


@app.command("trust")
def trust(ctx: typer.Context, name: Annotated[str, typer.Argument(help="Server name.")]) -> None:
    """Forget a server's pinned host key and pin the one it presents now (after a reinstall).

    Забыть закреплённый ключ хоста и закрепить текущий (после переустановки сервера)."""

    async def work(settings: Any) -> None:
        async def body(c: Any) -> None:
            server, fingerprint = await c.server_access.trust(name, actor="cli:operator")
            out.print(t("server.forgot_key", settings.language, name=server.name))
            out.print(t("server.pinned", settings.language, name=server.name,
                        fingerprint=fingerprint))

        await with_container(settings, body)

    run(ctx, work)
