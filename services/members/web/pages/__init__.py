"""The members service's pages: the session pages (sign in, renew, sign out) that every service's sign-in
form posts to, the account pages (sign up, her account, the links sent by email), joining, the
coordinators' pages and impact report, and the administrators' roles page. Outside the API document."""

from services.members.web.pages import account, admin, coordination, impact, joining, profile, sessions

BLUEPRINTS = [impact.blp, sessions.blp, account.blp,
              profile.blp,  # anyone's own account: sign up, her name, her password (/members/account/...)
              joining.blp,  # applying to join, and "My application" (/members/join/...)
              coordination.blp,  # coordinators: applicants, members' status, proposals (/members/coordination/...)
              admin.blp,  # administrators: roles (/members/admin/...)
              ]
