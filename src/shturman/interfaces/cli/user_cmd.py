"""`shturman user add|list|set`: the people every channel knows (roles, language, Telegram)."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer

from shturman.interfaces.cli.runtime import err, out, run, with_container
from shturman.interfaces.i18n import t

app = typer.Typer(help="Users of every channel. / Пользователи.", no_args_is_help=True)

ROLES = "admin | operator | viewer"
ROLE_HELP = f"{ROLES}: admin — everything; operator — runs and approvals; viewer — reads."
TG_HELP = "Telegram user id: links the Telegram chat to this user."
LANG_HELP = "Language of answers: ru | en."
PW_HELP = "Read a password (for the web app) from the first line of stdin."


def _password(from_stdin: bool, lang: str) -> str | None:
    if not from_stdin:
        return None
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        err.print("✗ " + t("err.empty_password", lang), markup=False)
        raise typer.Exit(2)
    return password


@app.command("add")
def add_user(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="User name (letters, digits, . _ - @).")],
    role: Annotated[str, typer.Option("--role", "-r", help=ROLE_HELP)],
    telegram_id: Annotated[int | None, typer.Option("--telegram-id", help=TG_HELP)] = None,
    lang: Annotated[str | None, typer.Option("--lang", help=LANG_HELP)] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help=PW_HELP)] = False,
) -> None:
    """Add a user. / Добавить пользователя."""

    async def work(settings: Any) -> None:
        password = _password(password_stdin, settings.language)

        async def body(c: Any) -> None:
            user = await c.users.add(name, role, telegram_id=telegram_id,
                                     language=lang or settings.language, password=password)
            out.print(t("user.added", settings.language, name=user.name, role=user.role.value),
                      markup=False)

        await with_container(settings, body)

    run(ctx, work)


@app.command("list")
def list_users(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
) -> None:
    """Users by name. `--json` prints `[{"name", "role", "telegram_id", "lang"}]`.

    Пользователи по имени."""

    async def work(settings: Any) -> None:
        async def body(c: Any) -> None:
            users = await c.users.all()
            if as_json:
                print(json.dumps([{"name": u.name, "role": u.role.value,
                                   "telegram_id": u.telegram_id, "lang": u.language}
                                  for u in users], ensure_ascii=False))
                return
            if not users:
                out.print(t("user.none", settings.language), markup=False)
                return
            from rich.table import Table

            table = Table(*(t(f"col.{c}", settings.language)
                            for c in ("name", "role", "telegram", "language", "password")))
            for u in users:
                table.add_row(u.name, u.role.value, str(u.telegram_id or ""), u.language,
                              "✓" if u.has_password else "")
            out.print(table)

        await with_container(settings, body)

    run(ctx, work)


@app.command("set")
def set_user(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="User name.")],
    role: Annotated[str | None, typer.Option("--role", "-r", help=ROLE_HELP)] = None,
    telegram_id: Annotated[int | None, typer.Option("--telegram-id", help=TG_HELP)] = None,
    lang: Annotated[str | None, typer.Option("--lang", help=LANG_HELP)] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help=PW_HELP)] = False,
) -> None:
    """Change a user's role, Telegram id, language or password. / Изменить пользователя."""

    async def work(settings: Any) -> None:
        password = _password(password_stdin, settings.language)

        async def body(c: Any) -> None:
            user = await c.users.set(name, role=role, telegram_id=telegram_id, language=lang,
                                     password=password)
            out.print(t("user.changed", settings.language, name=user.name), markup=False)

        await with_container(settings, body)

    run(ctx, work)


@app.command("token")
def user_token(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="User name: the token acts with this user's role.")],
    label: Annotated[str, typer.Option("--label", help="What the token is for (shown in the "
                                       "audit log).")] = "",
    revoke: Annotated[bool, typer.Option("--revoke", help="Revoke every API token and web "
                                         "session of the user instead.")] = False,
) -> None:
    """Create an API token for machines (web API: `Authorization: Bearer TOKEN`). It is printed
    once on stdout; only its digest is stored. `--revoke` removes all of the user's tokens and
    sessions.

    Создать API-токен (печатается один раз; хранится только его хеш)."""

    async def work(settings: Any) -> None:
        async def body(c: Any) -> None:
            from shturman.services.users import local_principal

            actor = str(local_principal().actor)
            if revoke:
                count = await c.tokens.revoke_all(name, actor=actor)
                out.print(t("user.token.revoked", settings.language, name=name, count=count),
                          markup=False)
                return
            token = await c.tokens.issue(name, label, actor=actor)
            err.print(t("user.token.issued", settings.language, name=name), markup=False)
            print(token)

        await with_container(settings, body)

    run(ctx, work)
