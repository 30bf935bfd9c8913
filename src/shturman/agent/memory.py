"""Incident recall: similar past runs on the same servers, by word overlap (no model needed)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from shturman.domain.runs import Incident

WORD = re.compile(r"[\w-]{3,}", re.UNICODE)


def words(text: str) -> set[str]:
    # a crude stem: the first 5 letters are enough to match Russian word forms
    return {w[:5] for w in WORD.findall(text.lower())}


def rank(incidents: Sequence[Incident], query: str, limit: int = 3) -> list[Incident]:
    """The incidents most similar to ``query`` (Jaccard over word stems), best first."""
    q = words(query)
    if not q:
        return []
    scored = []
    for incident in incidents:
        w = words(incident.query)
        score = len(q & w) / len(q | w) if w else 0.0
        if score >= 0.2:
            scored.append((score, incident.created_at, incident))
    scored.sort(key=lambda x: (x[0], x[1]), reverse=True)
    return [i for _s, _t, i in scored[:limit]]
