"""Factories for the people a test needs: accounts of each role, members of each kind and status."""

from __future__ import annotations

import dataclasses
import itertools
import uuid

from services.members import accounts, membership
from shared.auth import Principal

PASSWORD = "correct horse battery"
_numbers = itertools.count(1)


@dataclasses.dataclass
class Person:
    """An account a test acts as, with its bearer header; member_id when it is a member."""

    account_id: int
    email: str
    roles: tuple[str, ...]
    headers: dict[str, str]
    member_id: int | None = None


class Coop:
    """The members service under test, and ways to fill it with people."""

    def __init__(self, app, runtime):
        self.app = app
        self.runtime = runtime
        self.client = app.test_client()
        self.issuer = runtime.collaborators.token_issuer

    @property
    def settings(self):
        """The members service's own settings (services.members.settings.MembersSettings)."""
        return self.runtime.collaborators.settings

    def change_settings(self, **changes) -> None:
        """Run the rest of the test with some of the members service's own settings changed."""
        collaborators = self.runtime.collaborators
        self.runtime.collaborators = dataclasses.replace(
            collaborators, settings=dataclasses.replace(collaborators.settings, **changes))

    def account(self, *roles: str, email: str | None = None) -> Person:
        """Create an account with these roles and return it signed in."""
        email = email or f"person{next(_numbers)}-{uuid.uuid4().hex[:6]}@example.org"
        with self.runtime.db.transaction() as session:
            account = accounts.create_account(session, email, PASSWORD, "Test Person", list(roles))
            account_id = account.id
        return self._signed_in(account_id, email, tuple(sorted(roles)))

    def member(self, kind: str = "producer", status: str = "active", sectors=("cards",), name=None) -> Person:
        """Create a member of a kind (producer or agency) in a status, through the real transitions."""
        person = self.account()
        coordinator = Principal(person.account_id, ("coordinator",))
        steps = {"applicant": [], "active": ["admit"], "suspended": ["admit", "suspend"],
                 "left": ["admit", "leave"], "declined": ["decline"]}[status]
        with self.runtime.db.transaction() as session:
            account = accounts.get_account(session, person.account_id)
            member = membership.apply_for_membership(
                session, account, kind, name or f"Business {next(_numbers)}", list(sectors),
                how_they_came="Referred by a probation officer.",
            )
            for step in steps:
                membership.change_status(session, member.id, step, coordinator, reason="test")
            member_id, roles = member.id, tuple(account.roles)
        return self._signed_in(person.account_id, person.email, roles, member_id)

    def coordinator(self) -> Person:
        return self.account("coordinator")

    def _signed_in(self, account_id, email, roles, member_id=None) -> Person:
        token, _ = self.issuer.issue(Principal(account_id, roles, member_id))
        return Person(account_id, email, roles, {"Authorization": f"Bearer {token}"}, member_id)

    def sign_in_again(self, person: Person) -> Person:
        """Return the person with a fresh token (roles change when a member is admitted or leaves)."""
        with self.runtime.db.sessionmaker() as session:
            principal = accounts.principal_for(session, accounts.get_account(session, person.account_id))
        return self._signed_in(person.account_id, person.email, principal.roles, principal.member_id)
