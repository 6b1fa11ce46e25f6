"""Events the members service listens to. None yet: the member's record (issue 8) and contract
approvals (issue 4) will add theirs here."""

from shared.consumer import Subscription

SUBSCRIPTIONS: dict[str, Subscription] = {}
