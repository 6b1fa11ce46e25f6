"""Each person's menu (shared.pages.MenuLink): who is shown which link of the site's menu."""

from shared.auth import Principal
from shared.pages import MenuLink

COORDINATOR = Principal(account_id=1, roles=("coordinator",))
CUSTOMER = Principal(account_id=2, roles=("customer",))


def test_a_link_for_everyone_is_shown_to_visitors_and_to_everyone_signed_in():
    link = MenuLink("Shop", "/shop/", audience="everyone")
    assert link.shown_to(None) and link.shown_to(CUSTOMER) and link.shown_to(COORDINATOR)


def test_a_link_for_visitors_is_not_shown_once_signed_in():
    link = MenuLink("Join", "/join", audience="visitors")
    assert link.shown_to(None) and not link.shown_to(CUSTOMER)


def test_a_link_for_the_signed_in_is_not_shown_to_visitors():
    assert not MenuLink("My orders", "/orders").shown_to(None)


def test_a_link_for_some_roles_is_shown_only_to_those_who_have_one_of_them():
    link = MenuLink("Contracts desk", "/desk/", roles=("coordinator", "admin"))
    assert link.shown_to(COORDINATOR) and not link.shown_to(CUSTOMER) and not link.shown_to(None)
