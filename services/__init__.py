"""The co-op's services: each its own folder, in the layout docs/design.md gives, and one name in coop/services.py."""

# Where people sign in, for the pages of every service: the members service's session pages, mounted at
# /members in the embedded run and behind the gateway alike.
SIGN_IN_PAGES = "/members/session"
# Where each person's notices are (the notifications service's pages): every page header links there and
# shows her unread count, fetched from "<NOTICES_PAGES>/unread-count".
NOTICES_PAGES = "/notifications/inbox"
