"""The members service's JSON API: accounts and tokens, membership, governance."""

from services.members.web.api import accounts, members, proposals

BLUEPRINTS = [accounts.blp, members.blp, proposals.blp]
