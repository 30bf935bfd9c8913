"""The ONE place the web app turns an error into what the user sees: a status code, a reason
and a sentence (a page for a browser, a JSON :class:`schemas.Problem` for the API)."""

from __future__ import annotations

from dataclasses import dataclass

from shturman.domain.errors import (
    AmbiguousServerError,
    ApprovalError,
    JobStateError,
    RunStateError,
    ShturmanError,
    UnknownJobError,
    UnknownRunError,
    UnknownServerError,
    UserError,
)
from shturman.interfaces.i18n import t

_APPROVAL_STATUS = {"unknown": 404, "forbidden": 403, "answered": 409, "expired": 409,
                    "abandoned": 409}


@dataclass(frozen=True, slots=True)
class Shown:
    status: int
    reason: str
    message: str


def describe(exc: ShturmanError, lang: str) -> Shown:
    if isinstance(exc, ApprovalError):
        return Shown(_APPROVAL_STATUS.get(exc.reason, 409), f"approval_{exc.reason}",
                     t(f"err.approval_{exc.reason}", lang, id=exc.approval_id,
                       status=exc.status, role=exc.role))
    if isinstance(exc, AmbiguousServerError):
        return Shown(400, "ambiguous_server", t("err.ambiguous_server", lang, name=exc.name,
                                                names=", ".join(exc.candidates)))
    if isinstance(exc, UnknownServerError):
        return Shown(400, "unknown_server", t("web.err.unknown_server", lang, name=exc.name))
    if isinstance(exc, UnknownRunError):
        return Shown(404, "unknown_run", t("web.err.unknown_run", lang, id=exc.run_id))
    if isinstance(exc, RunStateError):
        return Shown(409, "run_state", str(exc))
    if isinstance(exc, UnknownJobError):
        return Shown(404, "unknown_job", t("err.unknown_job", lang, id=exc.job_id))
    if isinstance(exc, JobStateError):
        return Shown(409, "job_final", t("err.job_final", lang, id=exc.job_id,
                                         status=exc.status))
    if isinstance(exc, UserError):
        return Shown(404 if exc.reason == "unknown" else 400, f"user_{exc.reason}",
                     t(f"err.user_{exc.reason}", lang, name=exc.name, value=exc.value))
    return Shown(500, "error", str(exc))


def approval_notice(exc: ApprovalError) -> str:
    """The notice key (pages.NOTICES) a refused answer shows on the approvals page."""
    return {"unknown": "unknown_approval", "expired": "expired", "abandoned": "abandoned",
            "forbidden": "forbidden"}.get(exc.reason, "answered")
