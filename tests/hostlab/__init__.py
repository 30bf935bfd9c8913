"""Test-host lab: real OpenSSH sshd "servers" on loopback with systemctl3 units and faults.

See ``HostLab`` (start/stop N hosts), ``units`` (install services) and ``faults``
(injectors and checkers). CLI: ``python -m tests.hostlab up|down``.
"""

from .faults import (
    RogueProcess,
    break_config,
    crash_unit,
    delete_file,
    flood_log,
    http_ok,
    port_open,
    redis_ok,
    restore_config,
    take_port,
    unit_active,
    unit_state,
    wait_until,
    wrong_permission,
)
from .lab import APT_PACKAGES, HostLab, HostLabError, TestHost, fingerprint, free_port
from .units import install_nginx, install_redis, install_unit, install_webapp, main_pid

__all__ = [
    "APT_PACKAGES",
    "HostLab",
    "HostLabError",
    "RogueProcess",
    "TestHost",
    "break_config",
    "crash_unit",
    "delete_file",
    "fingerprint",
    "flood_log",
    "free_port",
    "http_ok",
    "install_nginx",
    "install_redis",
    "install_unit",
    "install_webapp",
    "main_pid",
    "port_open",
    "redis_ok",
    "restore_config",
    "take_port",
    "unit_active",
    "unit_state",
    "wait_until",
    "wrong_permission",
]
