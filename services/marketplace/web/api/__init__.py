"""The marketplace's JSON API: one module per resource group, each with its blueprint."""

from services.marketplace.web.api.catalogue import catalogue_blp
from services.marketplace.web.api.orders import orders_blp
from services.marketplace.web.api.payouts import payouts_blp
from services.marketplace.web.api.shop import shop_blp

BLUEPRINTS = [catalogue_blp, shop_blp, orders_blp, payouts_blp]
