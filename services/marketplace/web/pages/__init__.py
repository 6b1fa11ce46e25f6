"""The marketplace's pages for people: the storefront (``store``), a member business's My shop (``my_shop``)
and the coordinators' marketplace desk (``market_desk``, under /store/desk).

Both add their routes to the one blueprint of ``blueprint``; importing them here registers those routes.
"""

from services.marketplace.web.pages import market_desk, my_shop, store
from services.marketplace.web.pages.site import pages_blp

__all__ = ["BLUEPRINTS", "market_desk", "my_shop", "store"]

BLUEPRINTS = [pages_blp]
