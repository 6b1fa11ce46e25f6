"""The events the marketplace service publishes, with their schemas and examples. None yet."""

from shared.events import EventCatalog
from shared.outbox import Outbox

CATALOG = EventCatalog("marketplace", [])

OUTBOX = Outbox(CATALOG)
