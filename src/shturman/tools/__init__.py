"""What the model (and the intent engine) may call. Each tool is a typed async function with a
risk level; all commands go through the GuardedExecutor. Tools never touch asyncssh."""

from shturman.tools.base import (
    CommandRecord,
    ToolContext,
    ToolResult,
    ToolSpec,
    spec_of,
    tool,
)
from shturman.tools.files import read_file, write_file
from shturman.tools.services import (
    check_service,
    read_logs,
    restart_service,
    service_states,
    start_service,
    stop_service,
    verify_fix,
)
from shturman.tools.system import (
    check_port,
    docker_logs,
    docker_ps,
    docker_restart,
    http_check,
    run_command,
    system_health,
)

TOOLS: dict[str, ToolSpec] = {
    spec.name: spec
    for spec in (
        spec_of(fn)
        for fn in (
            run_command, check_service, start_service, stop_service, restart_service,
            read_logs, docker_ps, docker_logs, docker_restart, system_health, check_port,
            http_check, read_file, write_file, verify_fix, service_states,
        )
    )
}

__all__ = ["TOOLS", "CommandRecord", "ToolContext", "ToolResult", "ToolSpec", "tool"]
