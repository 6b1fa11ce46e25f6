"""Events the marketplace listens to: member status decides who may sell, and under what shop name."""

from services.marketplace.models import Seller
from shared.consumer import Subscription
from shared.member_directory import member_subscriptions

# Sellers are kept from the members service's events by the rules every service shares; suspended or
# departed members' listings disappear from the catalogue because the catalogue only shows active sellers.
SUBSCRIPTIONS: dict[str, Subscription] = member_subscriptions(Seller, name_field="shop_name")
