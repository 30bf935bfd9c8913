"""The no-model intent engine: routine requests in Russian or English → intent, servers, steps.

Pure, synchronous and deterministic: `understand(text, servers)` does no I/O.
"""

from shturman.agent.intents.engine import understand
from shturman.agent.intents.plans import PLANS
from shturman.agent.intents.understanding import (
    Ask,
    AskKind,
    IntentArgs,
    IntentName,
    Language,
    Route,
    ToolArgs,
    ToolCall,
    Understanding,
)

__all__ = [
    "PLANS",
    "Ask",
    "AskKind",
    "IntentArgs",
    "IntentName",
    "Language",
    "Route",
    "ToolArgs",
    "ToolCall",
    "Understanding",
    "understand",
]
