"""Repositories: the only code that touches tables. They take and return domain objects."""

from shturman.store.repositories.audit import AuditCompletion, AuditRepo, StoredOutput
from shturman.store.repositories.runs import IncidentRepo, RunRepo
from shturman.store.repositories.servers import CredentialRepo, ServerRepo

__all__ = [
    "AuditCompletion",
    "AuditRepo",
    "CredentialRepo",
    "IncidentRepo",
    "RunRepo",
    "ServerRepo",
    "StoredOutput",
]
