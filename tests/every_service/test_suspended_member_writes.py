"""Every member-only write of the marketplace and contracts, tried with the still-valid token of a member
whose suspension the service has heard of: each is refused, because each service checks its own copy
of her status. The same request by an active member succeeds, so the refusal is not bad input.

A new member-only write in either API document fails ``..._has_a_request_here`` until it is added.
"""

import base64
import datetime as dt
import io

import pytest

from tests.support import access

# A 1x1 PNG, for the image upload.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5E"
                       "rkJggg==")


def soon() -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).replace(microsecond=0).isoformat()


# operation -> (which of the seller's listings it acts on, the request's keyword arguments)
MARKET_WRITES = {
    "POST /shop/listings": (None, lambda: {"json": {"kind": "goods", "title": "Wren card", "category": "cards",
                                                    "price_pence": 300, "stock": 3}}),
    "PATCH /shop/listings/{listing_id}": ("published", lambda: {"json": {"title": "Blue tit card"}}),
    "POST /shop/listings/{listing_id}/images": ("published", lambda: {
        "data": {"image": (io.BytesIO(PNG), "robin.png", "image/png")}, "content_type": "multipart/form-data"}),
    "POST /shop/listings/{listing_id}/publish": ("draft", dict),
    "POST /shop/listings/{listing_id}/withdraw": ("published", dict),
    "POST /shop/listings/{listing_id}/variants": ("published", lambda: {"json": {"name": "Large", "stock": 2}}),
    "PUT /shop/listings/{listing_id}/variants/{variant_id}/stock": ("published", lambda: {"json": {"stock": 5}}),
    "POST /shop/listings/{listing_id}/slots": ("service", lambda: {"json": {"starts": [soon()]}}),
}
CONTRACT_WRITES = ("POST /allocations/{allocation_id}/accept", "POST /allocations/{allocation_id}/decline")


def member_writes(client) -> set[str]:
    return {op.name for op in access.document_operations(client)
            if op.secured and op.roles == ("member",) and op.method != "get"}


def test_every_member_only_marketplace_write_has_a_request_here(market):
    assert member_writes(market.client) == set(MARKET_WRITES)


def test_every_member_only_contracts_write_has_a_request_here(desk):
    assert member_writes(desk.client) == set(CONTRACT_WRITES)


def shop(market, seller) -> dict:
    """A seller's draft, published goods and a service: the listings the writes act on."""
    return {"draft": market.listing(seller, publish=False),
            "published": market.listing(seller),
            "service": market.listing(seller, publish=False, kind="service", title="Linocut lesson",
                                      duration_minutes=60, slots=[])}


def try_write(market, seller, listings: dict, name: str):
    which, request = MARKET_WRITES[name]
    method, template = name.split(" ", 1)
    listing = listings.get(which) or {"id": 0, "variants": [{"id": 0}]}
    path = template.replace("{listing_id}", str(listing["id"])).replace(
        "{variant_id}", str((listing.get("variants") or [{"id": 0}])[0]["id"]))
    return market.client.open(path, method=method, headers=seller.headers, **request())


@pytest.mark.parametrize("name", sorted(MARKET_WRITES))
def test_a_suspended_sellers_still_valid_token_makes_no_marketplace_write(market, name):
    active = market.member()
    assert try_write(market, active, shop(market, active), name).status_code in (200, 201), name
    suspended = market.member()
    listings = shop(market, suspended)
    market.member_event("member.suspended", suspended)
    assert try_write(market, suspended, listings, name).status_code == 403


@pytest.mark.parametrize("name", CONTRACT_WRITES)
def test_a_suspended_members_still_valid_token_makes_no_contracts_write(desk, name):
    coordinator = desk.coordinator()
    active, suspended = desk.member(sectors=("cards",)), desk.member(sectors=("cards",))
    signed = desk.signed(coordinator)
    offers = {who.member_id: desk.allocate(coordinator, signed, who, 10).json for who in (active, suspended)}
    path = lambda who: name.split(" ", 1)[1].replace("{allocation_id}", str(offers[who.member_id]["id"]))  # noqa: E731
    assert desk.client.post(path(active), headers=active.headers).status_code == 200
    desk.member_event("member.suspended", suspended)
    assert desk.client.post(path(suspended), headers=suspended.headers).status_code == 403
