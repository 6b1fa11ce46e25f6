"""The members service's pages: the coordinators' impact report, and the session pages (sign in, renew,
sign out) that every service's sign-in form posts to, and the account pages of the links sent by
email (verify an address, reset a password). Outside the API document."""

from services.members.web.pages import account, impact, membership, proposal_pages, sessions

BLUEPRINTS = [impact.blp, sessions.blp, account.blp, membership.blp, proposal_pages.blp]
