"""The contracts service's pages door: the coordinators' desk under /desk, outside the API document.

The pages call the same use cases as the API, and each move names the version the coordinator read
(a hidden field), so a change made meanwhile by someone else is refused with a clear message. Every
page hangs on the one ``desk`` blueprint (``site.py``); each module below adds its group's routes to it.
"""

from services.contracts.web.pages import buyers, contracts, invoices, work
from services.contracts.web.pages.site import desk_blp

PAGE_GROUPS = (contracts, buyers, work, invoices)
BLUEPRINTS = [desk_blp]
