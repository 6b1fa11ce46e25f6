"""The members service's pages: the coordinators' impact report, and the session pages (sign in, renew,
sign out) that every service's sign-in form posts to. Outside the API document."""

from services.members.web.pages import impact, sessions

BLUEPRINTS = [impact.blp, sessions.blp]
