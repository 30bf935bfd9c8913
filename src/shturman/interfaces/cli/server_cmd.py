"""`shturman server …`: register, list, show, test and remove servers."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from shturman.interfaces.cli.runtime import err, out, run, with_container
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
    from shturman.domain.errors import ConfigError, HostError
    from shturman.domain.models import AccessProfile, AuthMethod, Server

    if sum((key is not None, password_stdin, agent)) > 1:
        raise typer.BadParameter("choose one of --key, --password-stdin, --agent")
    auth = AuthMethod.PASSWORD if password_stdin else AuthMethod.AGENT if agent else AuthMethod.KEY
    secret = sys.stdin.readline().rstrip("\n") if password_stdin else None
    passphrase = sys.stdin.readline().rstrip("\n") if passphrase_stdin else None
    if password_stdin and not secret:
        raise typer.BadParameter("empty password on standard input", param_hint="--password-stdin")
    private_key = None
    if key is not None:
        try:
            private_key = key.expanduser().read_text()
        except OSError as exc:
            raise typer.BadParameter(f"cannot read {key}: {exc.strerror}",
                                     param_hint="--key") from None
    if auth is AuthMethod.KEY and key is None:
        raise typer.BadParameter("give --key PATH, --password-stdin or --agent")
    try:
        profile_value = AccessProfile(profile)
    except ValueError:
        raise typer.BadParameter("readonly | operator | admin", param_hint="--profile") from None

    async def work(settings: Any) -> None:
        from shturman.config import ServerConfig

        try:
            ServerConfig(name=name, host=host, port=port, user=user)
        except ValueError as exc:
            raise ConfigError(f"invalid server: {exc}") from exc
        server = Server(name=name, host=host, port=port, user=user, auth=auth,
                        key_path=str(key.expanduser()) if key else None,
                        aliases=tuple(alias or ()), services=tuple(service or ()),
                        tags=tuple(tag or ()), profile=profile_value)

        async def body(c: Any) -> None:
            await c.inventory.add(server, actor="cli:operator", password=secret,
                                  private_key=private_key, passphrase=passphrase)
            out.print(t("server.added", settings.language, name=name, address=server.address))
            if no_connect:
                return
            try:
                key_line = await c.extras["ssh"].first_contact(server)
            except HostError as exc:
                err.print(f"[yellow]![/] {escape(exc.detail)} — the server is registered; "
                          "the host key will be pinned on first contact")
                return
            from shturman.hosts.ssh import fingerprint

            out.print(t("server.pinned", settings.language, name=name,
                        fingerprint=fingerprint(key_line)))

        await with_container(settings, body)

    run(ctx, work)


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

            table = Table("name", "address", "auth", "aliases", "services", "tags", "source")
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
            from shturman.hosts.ssh import fingerprint

            server = await c.inventory.get(name)
            await c.inventory.unpin(server.name, actor="cli:operator")
            out.print(t("server.forgot_key", settings.language, name=server.name))
            key_line = await c.extras["ssh"].first_contact(server)
            out.print(t("server.pinned", settings.language, name=server.name,
                        fingerprint=fingerprint(key_line)))

        await with_container(settings, body)

    run(ctx, work)
