"""The catalogue customers browse: by category and seller, searched by words, sorted, paginated, with
member prices; only published listings of active producers; bad query values refused."""

from __future__ import annotations

import json

import pytest

from services.marketplace import listings


@pytest.fixture
def seller(market):
    return market.member("producer", name="Paper Birds Cards")


@pytest.fixture
def other_seller(market):
    return market.member("producer", name="Silver Threads")


@pytest.fixture
def shelf(market, seller):
    """Publish listings of the seller's, each given as its fields; return their ids in the order given."""

    def publish(*listings):
        return [market.listing(seller, **fields)["id"] for fields in listings]

    return publish


def browse(market, **query):
    return market.client.get("/listings", query_string=query)


def ids(market, **query):
    response = browse(market, **query)
    assert response.status_code == 200, response.json
    return [listing["id"] for listing in response.json]


def titled(*titles):
    return [{"title": title} for title in titles]


# -- browsing -----------------------------------------------------------------------------------------


def test_anyone_may_browse_without_signing_in(market, shelf):
    [card] = shelf({})
    assert ids(market) == [card]


def test_browsing_by_category_shows_only_that_category(market, shelf):
    card, _, other_card = shelf({"category": "cards"}, {"category": "jewellery"}, {"category": "cards"})
    assert sorted(ids(market, category="cards")) == [card, other_card]


def test_a_category_with_nothing_in_it_is_empty(market, shelf):
    shelf({"category": "cards"})
    assert ids(market, category="fashion") == []


def test_browsing_by_seller_shows_only_their_listings(market, seller, other_seller, shelf):
    [mine] = shelf({})
    market.listing(other_seller)
    assert ids(market, seller_id=seller.member_id) == [mine]


def test_category_and_seller_together_both_apply(market, seller, other_seller, shelf):
    card, _ = shelf({"category": "cards"}, {"category": "crafts"})
    market.listing(other_seller, category="cards")
    assert ids(market, category="cards", seller_id=seller.member_id) == [card]


def test_a_listing_shows_its_shop_name(market, shelf):
    shelf({})
    assert [listing["shop_name"] for listing in browse(market).json] == ["Paper Birds Cards"]


# -- searching ----------------------------------------------------------------------------------------


def test_a_search_finds_a_word_in_the_title(market, shelf):
    robin, _ = shelf(*titled("Robin card", "Wren card"))
    assert ids(market, q="robin") == [robin]


def test_a_search_finds_a_word_in_the_description(market, shelf):
    _, silver = shelf({"description": "Printed on recycled card."}, {"description": "Sterling silver chain."})
    assert ids(market, q="silver") == [silver]


def test_a_search_ignores_case(market, shelf):
    [robin] = shelf(*titled("ROBIN card"))
    assert ids(market, q="rObIn") == [robin]


def test_a_search_finds_part_of_a_word(market, shelf):
    [robins] = shelf(*titled("Robins in snow"))
    assert ids(market, q="robin") == [robins]


def test_every_word_of_a_search_must_match_somewhere(market, shelf):
    robin_card, _, _ = shelf({"title": "Robin card", "description": "Hand-printed."},
                             {"title": "Robin brooch", "description": "Silver."},
                             {"title": "Wren card", "description": "Hand-printed."})
    assert ids(market, q="robin hand-printed") == [robin_card]


def test_a_ninth_word_of_a_search_must_match_too(market, shelf):
    shelf({"title": "a b c d e f g h"})
    assert ids(market, q="a b c d e f g h teapot") == []


def test_the_words_of_a_search_may_match_title_and_description_separately(market, shelf):
    [robin] = shelf({"title": "Robin", "description": "A Christmas card."})
    assert ids(market, q="robin christmas") == [robin]


def test_a_percent_sign_in_a_search_is_taken_literally(market, shelf):
    half, _ = shelf(*titled("50% off wool", "500 beads"))
    assert ids(market, q="50%") == [half]


def test_an_underscore_in_a_search_is_taken_literally(market, shelf):
    snake, _ = shelf(*titled("my_shop mug", "myxshop mug"))
    assert ids(market, q="my_shop") == [snake]


def test_a_backslash_in_a_search_is_taken_literally(market, shelf):
    slash, _ = shelf(*titled("a\\b print", "ab print"))
    assert ids(market, q="a\\b") == [slash]


def test_a_search_with_no_match_is_empty(market, shelf):
    shelf(*titled("Robin card"))
    assert ids(market, q="teapot") == []


def test_a_blank_search_matches_everything(market, shelf):
    listed = shelf(*titled("Robin card", "Wren card"))
    assert sorted(ids(market, q="   ")) == sorted(listed)


# -- sorting ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("sort", "expected"), [("price_asc", [100, 250, 900]), ("price_desc", [900, 250, 100])])
def test_listings_sort_by_price(market, shelf, sort, expected):
    shelf({"price_pence": 250}, {"price_pence": 900}, {"price_pence": 100})
    assert [listing["price_pence"] for listing in browse(market, sort=sort).json] == expected


def test_listings_sort_newest_first_by_default(market, shelf):
    first, second, third = shelf({}, {}, {})
    assert ids(market) == ids(market, sort="newest") == [third, second, first]


def test_listings_of_the_same_price_keep_a_stable_order(market, shelf):
    listed = shelf({"price_pence": 300}, {"price_pence": 300}, {"price_pence": 300})
    assert ids(market, sort="price_asc") == sorted(listed)


# -- pages --------------------------------------------------------------------------------------------


def test_a_page_holds_page_size_listings(market, shelf):
    listed = shelf({}, {}, {}, {}, {})  # newest last
    assert ids(market, page=2, page_size=2) == [listed[2], listed[1]]


def test_the_pagination_header_tells_the_total_and_the_pages(market, shelf):
    shelf({}, {}, {}, {}, {})
    header = json.loads(browse(market, page=2, page_size=2).headers["X-Pagination"])
    assert header == {"total": 5, "total_pages": 3, "first_page": 1, "last_page": 3, "page": 2,
                      "previous_page": 1, "next_page": 3}


def test_a_page_past_the_last_is_empty(market, shelf):
    shelf({}, {})
    assert ids(market, page=3, page_size=2) == []


def test_the_pagination_total_counts_only_what_the_filters_let_through(market, shelf):
    shelf({"category": "cards"}, {"category": "cards"}, {"category": "crafts"})
    header = json.loads(browse(market, category="cards", page_size=1).headers["X-Pagination"])
    assert (header["total"], header["total_pages"]) == (2, 2)


def test_only_the_first_matches_up_to_the_limit_are_counted_and_shown(market, shelf, monkeypatch):
    monkeypatch.setattr(listings, "MOST_MATCHES", 3)
    listed = shelf({}, {}, {}, {}, {})  # newest last
    header = json.loads(browse(market, page_size=2).headers["X-Pagination"])
    assert (header["total"], header["total_pages"]) == (3, 2)
    assert ids(market, page=2, page_size=2) == [listed[2]]
    assert ids(market, page=3, page_size=2) == []


# -- member prices ------------------------------------------------------------------------------------


def test_the_member_price_is_the_price_less_the_member_discount(market, shelf):
    shelf({"price_pence": 1200, "member_discount_pence": 150})
    [listing] = browse(market).json
    assert (listing["price_pence"], listing["member_price_pence"], listing["currency"]) == (1200, 1050, "GBP")


def test_without_a_member_discount_the_member_price_is_the_price(market, shelf):
    shelf({"price_pence": 1200})
    assert browse(market).json[0]["member_price_pence"] == 1200


# -- what is on sale ----------------------------------------------------------------------------------


def test_only_published_listings_are_on_sale(market, seller, shelf):
    [on_sale] = shelf({})
    market.listing(seller, publish=False)
    withdrawn = market.listing(seller)
    market.client.post(f"/shop/listings/{withdrawn['id']}/withdraw", headers=seller.headers)
    assert ids(market) == [on_sale]


@pytest.mark.parametrize("event_type", ["member.suspended", "member.left"])
def test_only_listings_of_active_producers_are_on_sale(market, other_seller, shelf, event_type):
    [on_sale] = shelf({})
    market.listing(other_seller)
    market.member_event(event_type, other_seller)
    assert ids(market) == [on_sale]


def test_a_stopped_sellers_listings_are_not_found_by_seller_either(market, seller, shelf):
    shelf({})
    market.member_event("member.suspended", seller)
    assert ids(market, seller_id=seller.member_id) == []


# -- one listing, one seller --------------------------------------------------------------------------


def test_a_listing_on_sale_shows_its_variants(market, seller):
    listing = market.listing(seller, variants=[{"name": "Small", "stock": 2}, {"name": "Large", "stock": 0}])
    shown = market.client.get(f"/listings/{listing['id']}").json
    assert [(variant["name"], variant["stock"]) for variant in shown["variants"]] == [("Small", 2), ("Large", 0)]


@pytest.mark.parametrize("path", ["/listings/abc", "/listings/-1", "/listings/99999999999", "/listings/2147483647",
                                  "/sellers/abc", "/sellers/0", "/sellers/99999999999", "/sellers/2147483647"])
def test_a_malformed_or_unknown_id_is_not_found(market, path):
    assert market.client.get(path).status_code == 404


# -- bad query values ---------------------------------------------------------------------------------

BAD_QUERIES = {
    "unknown sort": ({"sort": "cheapest"}, "sort"),
    "unknown category": ({"category": "weapons"}, "category"),
    "search over 100 characters": ({"q": "x" * 101}, "q"),
    "seller id 0": ({"seller_id": 0}, "seller_id"),
    "negative seller id": ({"seller_id": -1}, "seller_id"),
    "seller id beyond any id": ({"seller_id": 2**31}, "seller_id"),
    "seller id not a number": ({"seller_id": "abc"}, "seller_id"),
    "page 0": ({"page": 0}, "page"),
    "page size 0": ({"page_size": 0}, "page_size"),
    "page size over 100": ({"page_size": 101}, "page_size"),
}


@pytest.mark.parametrize(("query", "field"), BAD_QUERIES.values(), ids=BAD_QUERIES)
def test_a_bad_query_value_is_refused_naming_it(market, query, field):
    response = browse(market, **query)
    assert response.status_code == 422
    assert field in response.json["errors"]["query"]


def test_a_search_of_exactly_100_characters_is_allowed(market):
    assert browse(market, q="x" * 100).status_code == 200
