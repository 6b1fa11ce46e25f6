"""The co-op's services: each its own folder, in the layout docs/design.md gives, and one name in coop/services.py.

What follows is the one site their pages make together: every service's pages are drawn in the shared
layout (shared/templates/coop_base.html) from ``SITE``, so the header, the menu and sign-in are the same
wherever a person is.
"""

from shared.pages import MenuLink, Site

# Where people sign in, for the pages of every service: the members service's session pages, mounted at
# /members in the embedded run and behind the gateway alike.
SIGN_IN_PAGES = "/members/session"
# Where each person's notices are (the notifications service's pages): every page header links there and
# shows her unread count, fetched from "<NOTICES_PAGES>/unread-count".
NOTICES_PAGES = "/notifications/inbox"
# The co-op's front page: the marketplace's home, served at / by the embedded run and the gateway.
FRONT_PAGE = "/"

# Each person's menu: what her roles let her do, wherever in the back office it lives.
MENU = (
    MenuLink("Shop", "/marketplace/store/", audience="everyone"),
    MenuLink("Jobs", "/brokering/jobs/", audience="everyone"),
    MenuLink("Join", "/members/join/", audience="visitors"),
    MenuLink("Cart", "/marketplace/store/cart", roles=("customer", "member", "agency", "employer")),
    MenuLink("My orders", "/marketplace/store/orders", roles=("customer", "member", "agency", "employer")),
    MenuLink("My shop", "/marketplace/store/my-shop", roles=("member",)),
    MenuLink("My contract work", "/contracts/my-work/", roles=("member",)),
    MenuLink("My membership", "/members/my-membership/", roles=("member", "agency")),
    MenuLink("Votes", "/members/votes/", roles=("member", "agency", "coordinator", "admin")),
    MenuLink("Members desk", "/members/coordination/applicants", roles=("coordinator",)),
    MenuLink("Contracts desk", "/contracts/desk/", roles=("coordinator",)),
    MenuLink("Market desk", "/marketplace/store/desk/", roles=("coordinator",)),
    MenuLink("Jobs desk", "/brokering/jobs/desk", roles=("coordinator",)),
    MenuLink("Impact report", "/members/impact/", roles=("coordinator",)),
    MenuLink("Dead letters", "/members/dead-letters", roles=("coordinator",)),
    MenuLink("Roles", "/members/admin/roles", roles=("admin",)),
    MenuLink("Your account", "/members/account/"),
)

SITE = Site(name="Fresh Start Co-op", front_page=FRONT_PAGE, sign_in_pages=SIGN_IN_PAGES, notices_pages=NOTICES_PAGES,
            menu=MENU, join_page="/members/join/")
