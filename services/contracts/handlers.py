"""Events the contracts service listens to, and what it does with each. None yet."""

from shared.consumer import Subscription

SUBSCRIPTIONS: dict[str, Subscription] = {}
