"""`shturman init`, `shturman vault rotate`, `shturman audit`."""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import typer

from shturman.interfaces.cli.runtime import out, run, state, with_container
from shturman.interfaces.i18n import t


def init(
    ctx: typer.Context,
    force: Annotated[bool, typer.Option(help="Overwrite an existing config file.")] = False,
) -> None:
    """Create the data directory, a commented starter config and the vault key (0600).

    Создаёт каталог данных, конфигурацию с комментариями и ключ хранилища."""
    from shturman.config import CONFIG_NAME

    async def work(settings: Any) -> None:
        from shturman.services.setup import create_vault_key, prepare_database, secure_home

        home: Path = settings.home
        secure_home(home)
        lang = settings.language
        from shturman.config import config_path

        config = config_path(state(ctx).config) or home / CONFIG_NAME
        if config.exists() and not force:
            out.print(t("init.config_kept", lang, path=config))
        else:
            text = resources.files("shturman.interfaces.cli").joinpath(
                "templates/shturman.yaml").read_text(encoding="utf-8")
            config.parent.mkdir(parents=True, exist_ok=True)
            config.write_text(text, encoding="utf-8")
            out.print(t("init.config_written", lang, path=config))
        if settings.vault_key is None:
            created = create_vault_key(settings.key_file)
            os.chmod(settings.key_file, 0o600)
            out.print(t("init.key_created" if created else "init.key_kept", lang,
                        path=settings.key_file))
        out.print(t("init.db_ready", lang, url=await prepare_database(settings.db_url)))

    run(ctx, work, missing_config_ok=True)


vault_app = typer.Typer(help="The encrypted credential vault. / Хранилище секретов.",
                        no_args_is_help=True)


@vault_app.command("rotate")
def vault_rotate(ctx: typer.Context) -> None:
    """Add a fresh master key, re-encrypt every secret with it, retire the old key.

    Новый мастер-ключ: все секреты перешифровываются, старый ключ удаляется."""

    async def work(settings: Any) -> None:
        async def body(c: Any) -> None:
            count = await c.vault.rotate()
            from datetime import UTC, datetime

            from shturman.domain.models import AuditEntry

            await c.audit.record(AuditEntry(datetime.now(UTC), "cli:operator", "-",
                                            "vault_rotate", detail=f"{count} secrets"))
            out.print(t("vault.rotated", settings.language, count=count))

        await with_container(settings, body)

    run(ctx, work)


def audit(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many entries.")] = 30,
    server: Annotated[str | None, typer.Option(help="Only this server.")] = None,
    run_id: Annotated[str | None, typer.Option("--run", help="Only this run.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines.")] = False,
) -> None:
    """Show the audit trail: who ran what, where, the decision and the outcome.

    Журнал аудита: кто, что, где, решение политики и результат."""

    async def work(settings: Any) -> None:
        async def body(c: Any) -> None:
            entries = await c.audit.recent(limit, server, run_id)
            if server and not entries:
                await c.inventory.get(server)  # a name nobody knows is an error, not "empty"
            if as_json:
                for e in entries:
                    print(json.dumps({
                        "id": e.id, "at": e.at.isoformat(), "actor": e.actor,
                        "server": e.server, "action": e.action, "command": e.command,
                        "decision": e.decision, "exit_code": e.exit_code,
                        "duration": e.duration, "outcome": e.outcome, "detail": e.detail,
                        "run_id": e.run_id,
                    }, ensure_ascii=False))
                return
            colors = {"allow": "green", "confirm": "yellow", "block": "red"}
            for e in entries:
                code = "" if e.exit_code is None else f"exit {e.exit_code}"
                what = e.command or e.detail
                label = f"{e.decision or e.action:<8}"
                decision = f"[{colors.get(e.decision, 'white')}]{label}[/]"
                out.print(f"{e.at:%H:%M:%S} {e.actor:<14} {e.server:<8} {decision} "
                          f"{e.outcome:<8} {code:<7} ", end="")
                out.print(what.splitlines()[0] if what else "", markup=False, highlight=False)

        await with_container(settings, body)

    run(ctx, work)
