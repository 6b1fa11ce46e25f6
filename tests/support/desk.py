"""The contracts service under test (the coordinators' desk), with factories for buyers and contracts."""

from __future__ import annotations

import datetime as dt

from tests.support.service import ServiceUnderTest, Trader

START = dt.date(2027, 1, 4)


def terms(**changes) -> dict:
    """Terms worth £1,250 (under the default approval threshold): 500 cards at £2.50, two deliveries."""
    return {
        "line_items": [{"description": "Hand-made Christmas cards", "quantity": 500, "unit": "cards",
                        "unit_price_pence": 250}],
        "milestones": [{"title": "First 250 cards", "due_on": str(START + dt.timedelta(days=14))},
                       {"title": "Last 250 cards", "due_on": str(START + dt.timedelta(days=28))}],
        "payment_terms_days": 30, "start_on": str(START), "end_on": str(START + dt.timedelta(days=60)),
        "clauses": ["Cards packed in tens."], **changes,
    }


class Desk(ServiceUnderTest):
    """The contracts app, a test client, and factories for buyers, contracts and their moves."""

    def buyer(self, by: Trader, **fields) -> dict:
        body = {"name": "Leaf & Co", "contact_name": "Sam Leaf", "email": "sam@leaf.example",
                "address": "1 High Street, Leeds LS1 1AA", **fields}
        response = self.client.post("/buyers", json=body, headers=by.headers)
        assert response.status_code == 201, response.json
        return response.json

    def contract(self, by: Trader, **fields) -> dict:
        """Start a draft contract (with a new buyer unless one is given)."""
        body = {"title": "Christmas cards for Leaf & Co", "sector": "cards", "terms": terms(), **fields}
        body.setdefault("buyer_id", self.buyer(by)["id"])
        response = self.client.post("/contracts", json=body, headers=by.headers)
        assert response.status_code == 201, response.json
        return response.json

    def move(self, by: Trader, contract: dict, action: str, body: dict | None = None, version=None):
        """Make one move on a contract, naming the version last read; return the response."""
        headers = {**by.headers, "If-Match": f'"{contract["version"] if version is None else version}"'}
        return self.client.post(f"/contracts/{contract['id']}/{action}", json=body or {}, headers=headers)

    def moved(self, by: Trader, contract: dict, action: str, body: dict | None = None) -> dict:
        """Make one move that must succeed; return the contract after it."""
        response = self.move(by, contract, action, body)
        assert response.status_code in (200, 201), response.json
        return response.json

    def agreed(self, by: Trader, **fields) -> dict:
        """A contract proposed by the co-op and accepted by the buyer."""
        contract = self.moved(by, self.contract(by, **fields), "propose")
        return self.moved(by, contract, "agree", {"party": "buyer"})

    def signed(self, by: Trader, **fields) -> dict:
        """A contract agreed under the approval threshold and signed."""
        return self.moved(by, self.agreed(by, **fields), "sign", {"buyer_signatory": "Sam Leaf"})

    def allocate(self, by: Trader, contract: dict, member: Trader, quantity: int, line: int = 0):
        return self.client.post(f"/contracts/{contract['id']}/allocations", headers=by.headers,
                                json={"member_id": member.member_id, "line": line, "quantity": quantity})

    def get(self, by: Trader, contract: dict) -> dict:
        response = self.client.get(f"/contracts/{contract['id']}", headers=by.headers)
        assert response.status_code == 200, response.json
        return response.json
