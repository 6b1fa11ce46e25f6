"""The members service's pages: the session pages (sign in, renew, sign out) that every service's sign-in
form posts to, the account pages (sign up, her account, the links sent by email), joining, a member's
membership and votes, the coordinators' pages and impact report, and the administrators' roles page.
Outside the API document."""

from services.members.web.pages import (
    account,
    admin,
    coordination,
    impact,
    joining,
    membership,
    profile,
    proposal_pages,
    sessions,
)

BLUEPRINTS = [impact.blp, sessions.blp, account.blp,
              profile.blp,  # anyone's own account: sign up, her name, her password (/members/account/...)
              joining.blp,  # applying to join, and "My application" (/members/join/...)
              membership.blp,  # a member's own membership, record and job brokering (/members/my-membership/...)
              proposal_pages.blp,  # the co-op's votes: read, vote, proxies, receipts, results (/members/votes/...)
              coordination.blp,  # coordinators: applicants, members' status, proposals (/members/coordination/...)
              admin.blp,  # administrators: roles (/members/admin/...)
              ]
