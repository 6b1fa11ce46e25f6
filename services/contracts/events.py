"""The events the contracts service publishes, with their schemas and examples. None yet."""

from shared.events import EventCatalog
from shared.outbox import Outbox

CATALOG = EventCatalog("contracts", [])

OUTBOX = Outbox(CATALOG)
