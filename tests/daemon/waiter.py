"""A process whose run waits in the approval inbox: `python -m tests.daemon.waiter COMMAND`.

It runs `выполни `COMMAND` на local` through RunService with the InboxApprover (the way
`shturman serve` and the workers do) and prints each event as a JSON line as it is stored.
Settings come from the environment (SHTURMAN_HOME, SHTURMAN_DATABASE_URL,
SHTURMAN_AGENT__APPROVAL_TIMEOUT), as in any shturman process.
"""

from __future__ import annotations

import asyncio
import json
import sys

from shturman.app import container
from shturman.config import load_settings
from shturman.domain.models import Actor, RunMode
from shturman.services.runs import RunRequest


async def main(command: str) -> int:
    settings = load_settings()
    async with container(settings) as c:
        approver = c.approvals.approver(settings.agent.approval_timeout)
        request = RunRequest(f"выполни `{command}` на local", Actor("cli", "waiter"),
                             RunMode.INTERACTIVE)
        status = ""
        async for event in c.runs.stream(request, approver):
            print(json.dumps(event.as_json(), ensure_ascii=False), flush=True)
            if event.type == "run_finished":
                status = event.data["status"]
        return 0 if status == "succeeded" else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1])))
