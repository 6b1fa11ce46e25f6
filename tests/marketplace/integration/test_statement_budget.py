"""What buying and browsing ask of the database: a budget of statements and commits, on both backends.

Counted on the marketplace's own engine. A transaction's BEGIN is left out of the statements: SQLite's
is sent as a statement (``shared.db``), PostgreSQL's driver sends it unseen, and the commits count the
transactions anyway. The test-mode provider's ledger is an engine of its own, like a processor's
(``adapters/ledger_store.py``), and is not counted here.
"""

from __future__ import annotations

import pytest

from tests.support.shopping import add, checkout, pay
from tests.support.statements import counting

# Adding to the cart (4), checking out (9) and paying (11: the attempt; then the outcome and its answer).
BUYING_STATEMENTS = 24
# One each for the cart and the checkout; two for the payment, whose attempt is committed before the
# provider is asked (docs/design.md, "Money moves only after the decision is recorded").
BUYING_COMMITS = 4
CATALOGUE_PAGE_STATEMENTS = 2  # the count, and the page with its listings' variants and slots


def statements(tally) -> list[str]:
    return [statement for statement in tally.statements if not statement.startswith("BEGIN")]


@pytest.fixture
def seller(market):
    return market.member(name="Paper Birds")


@pytest.fixture
def bought(market, seller):
    """Add a listing to a customer's cart, check out and pay, counting on the service's engine."""
    buyer, listing = market.customer(), market.listing(seller, price_pence=350)
    with counting(market.runtime.db.engine) as tally:
        assert add(market, buyer, listing, quantity=2).status_code == 201
        order = checkout(market, buyer)
        assert order.status_code == 201
        assert pay(market, buyer, order.json["id"]).status_code == 200
    return tally


def test_buying_with_payment_stays_within_its_statements(bought):
    assert len(statements(bought)) <= BUYING_STATEMENTS, bought


def test_buying_with_payment_stays_within_its_commits(bought):
    assert bought.commits <= BUYING_COMMITS, bought


def test_a_catalogue_page_takes_its_count_and_one_query(market, seller):
    for price in range(200, 214):
        market.listing(seller, price_pence=price)
    with counting(market.runtime.db.engine) as tally:
        response = market.client.get("/listings", query_string={"category": "cards", "sort": "price_asc",
                                                                 "page": 2, "page_size": 5})
    assert response.status_code == 200 and len(response.json) == 5
    assert len(statements(tally)) <= CATALOGUE_PAGE_STATEMENTS, tally
