"""Uploaded images show on the store's pages (issue 15, item 12): every image link is built with url_for,
so it names the image endpoint from the service's root wherever the service is mounted; a relative
``images/<name>`` resolved under /marketplace/store/listings/ and gave a 404. Served through a client with
the marketplace mounted under /marketplace, as `coop run` and the gateway serve it."""

from __future__ import annotations

import io
import re

import pytest

from tests.support.photos import photo, size_of
from tests.support.store_pages import mounted_client

IMAGE = re.compile(r'<img src="([^"]+)"')


@pytest.fixture
def shown(market):
    """A published listing with an uploaded image: (listing, the image's bytes as uploaded)."""
    seller = market.member("producer", name="Paper Birds")
    listing = market.listing(seller, title="Robin card")
    data = photo("image/png", size=(48, 32))
    response = market.client.post(f"/shop/listings/{listing['id']}/images", headers=seller.headers,
                                  data={"image": (io.BytesIO(data), "robin.png", "image/png")},
                                  content_type="multipart/form-data")
    assert response.status_code == 201, response.json
    return response.json, data


def images_on(client, path: str) -> list[str]:
    page = client.get(path)
    assert page.status_code == 200
    return IMAGE.findall(page.get_data(as_text=True))


@pytest.mark.parametrize("page", ["/listings/{id}", "/", "/search?q=robin", "/sellers/{seller}"],
                         ids=["listing", "home", "search", "seller"])
def test_the_uploaded_image_on_a_store_page_answers_with_the_image(market, shown, page):
    listing, data = shown
    client = mounted_client(market)
    [src] = images_on(client, "/marketplace/store" + page.format(id=listing["id"], seller=listing["seller_id"]))
    assert src == f"/marketplace/{listing['images'][0]}"  # from the service's root, not the page's folder
    image = client.get(src)
    assert image.status_code == 200
    assert image.mimetype == "image/png"
    assert size_of(image.get_data()) == size_of(data)


def test_a_linked_web_image_is_shown_as_it_was_given(market):
    seller = market.member("producer")
    listing = market.listing(seller, images=["https://example.org/robin.jpg"])
    assert images_on(mounted_client(market), f"/marketplace/store/listings/{listing['id']}") == [
        "https://example.org/robin.jpg"]
