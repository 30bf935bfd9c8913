"""The Telegram interface: the operator's phone as the control panel, locked down by default.

Thin like every interface: it parses updates, calls the services the composition root hands it
(:class:`BotServices`) and renders what they return. Modules, one noun each:

- ``bot``: the daemon component (start: refuse without linked users, register commands, poll;
  stop: cleanly);
- ``access``: the gate (only linked users, audited refusals, groups off) and the rate limit;
- ``commands``: /start … /voice and free text;
- ``progress`` + ``live`` + ``render``: a run's progress as ONE edited message;
- ``approvals``: approval cards with buttons bound to one request;
- ``alerts``: alerts and approval requests delivered once per user.
"""

from shturman.interfaces.telegram.bot import TelegramBot
from shturman.interfaces.telegram.deps import BotConfig, BotServices

__all__ = ["BotConfig", "BotServices", "TelegramBot"]
