"""The members service's pages: the coordinators' impact report, and the session pages (sign in, renew,
sign out) that every service's sign-in form posts to, and the account pages of the links sent by
email (verify an address, reset a password). Outside the API document."""

from services.members.web.pages import account, impact, joining, profile, sessions

BLUEPRINTS = [impact.blp, sessions.blp, account.blp,
              profile.blp,  # anyone's own account: sign up, her name, her password (/members/account/...)
              joining.blp,  # applying to join, and "My application" (/members/join/...)
              ]
