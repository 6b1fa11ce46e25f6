"""The marketplace under test, and ways to fill it: sellers arrive as member events, as in production."""

from __future__ import annotations

from tests.support.service import ServiceUnderTest, Trader

__all__ = ["Market", "Trader"]


class Market(ServiceUnderTest):
    """The marketplace app, a test client, and factories for sellers, customers and listings."""

    def listing(self, seller: Trader, publish: bool = True, **fields) -> dict:
        """Create (and publish) a listing through the API; goods with 10 in stock unless told otherwise."""
        body = {"kind": "goods", "title": "Robin card", "category": "cards", "price_pence": 350, **fields}
        if body["kind"] == "goods" and "variants" not in body:
            body.setdefault("stock", 10)
        response = self.client.post("/shop/listings", json=body, headers=seller.headers)
        assert response.status_code == 201, response.json
        listing = response.json
        if publish:
            response = self.client.post(f"/shop/listings/{listing['id']}/publish", headers=seller.headers)
            assert response.status_code == 200, response.json
            listing = response.json
        return listing
