"""Every link on the store's pages is built with url_for (issue 15, item 12): a relative address is read
from the page's own folder (``images/<name>`` under /marketplace/store/listings/ gave a 404), and a
``javascript:`` one does not run under the pages' Content-Security-Policy."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = sorted((Path(__file__).resolve().parents[3] / "services/marketplace/web/pages/templates").glob("*.html"))
LINK = re.compile(r'\b(href|src|action)="([^"]*)"')
# What a link may be: a fragment of the same page, url_for, an image (or its thumbnail) through the filter
# that uses it, or one of the site's own absolute paths (services.SITE: its menu, sign-in, joining).
BUILT = re.compile(r"^(#[\w-]+|\{\{ url_for\(.*\) \}\}|\{\{ [\w.\[\]]+ \| (image_url|thumbnail_url) \}\}"
                   r"|\{\{ (coop_sign_in_href\(\)|link\.path|coop_site\.join_page) \}\})$")


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: path.name)
def test_every_link_in_a_store_template_is_built_with_url_for(template):
    links = LINK.findall(template.read_text())
    assert [f'{kind}="{value}"' for kind, value in links if not BUILT.fullmatch(value)] == []
