"""The events the brokering service publishes, with their schemas and examples. None yet."""

from shared.events import EventCatalog
from shared.outbox import Outbox

CATALOG = EventCatalog("brokering", [])

OUTBOX = Outbox(CATALOG)
