"""The events the notifications service publishes: none yet. It only listens (handlers.py)."""

from shared.events import EventCatalog
from shared.outbox import Outbox

CATALOG = EventCatalog("notifications", [])

OUTBOX = Outbox(CATALOG)
