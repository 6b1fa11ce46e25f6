"""The marketplace's pages for people: the storefront (``store``) and a member business's My shop (``my_shop``).

Both add their routes to the one blueprint of ``blueprint``; importing them here registers those routes.
"""

from services.marketplace.web.pages import my_shop, store
from services.marketplace.web.pages.site import pages_blp

__all__ = ["BLUEPRINTS", "my_shop", "store"]

BLUEPRINTS = [pages_blp]
