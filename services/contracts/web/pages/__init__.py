"""The contracts service's pages door, outside the API document: the coordinators' desk under /desk, and
each member's own contract work under /my-work.

The pages call the same use cases as the API, and each move on a contract names the version the
coordinator read (a hidden field), so a change made meanwhile by someone else is refused with a clear
message. Every desk page hangs on the one ``desk`` blueprint (``site.py``); each module below adds its
group's routes to it. The members' pages are their own blueprint (``my_work.py``).
"""

from services.contracts.web.pages import buyers, contracts, invoices, work
from services.contracts.web.pages.my_work import my_work_blp
from services.contracts.web.pages.site import desk_blp

PAGE_GROUPS = (contracts, buyers, work, invoices)
BLUEPRINTS = [desk_blp, my_work_blp]
