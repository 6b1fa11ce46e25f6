"""The store's header links a signed-in person to her notices, where her unread count comes from."""

from tests.support.store_pages import StoreBrowser


def test_a_signed_in_customer_sees_the_notices_link_in_the_header(market):
    page = StoreBrowser(market, market.customer()).get("/").get_data(as_text=True)
    assert 'href="/notifications/inbox/notices"' in page and "coop-unread.js" in page


def test_a_visitor_sees_no_notices_link(market):
    page = market.client.get("/store/").get_data(as_text=True)
    assert "/notifications/inbox/notices" not in page
