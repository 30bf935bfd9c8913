"""Monitoring (docs/monitoring.md): health checks as scheduled jobs, a state machine per
check, alerts on transitions, diagnosis runs from symptoms, `shturman health`."""

from shturman.services.monitoring.alerts import Alert, AlertSender, Webhook
from shturman.services.monitoring.probes import HttpProbe, Probe, Prober, Thresholds
from shturman.services.monitoring.service import (
    CHECK_KIND,
    MonitoringService,
    Round,
    register,
    schedules,
)

__all__ = [
    "CHECK_KIND",
    "Alert",
    "AlertSender",
    "HttpProbe",
    "MonitoringService",
    "Probe",
    "Prober",
    "Round",
    "Thresholds",
    "Webhook",
    "register",
    "schedules",
]
