"""A secret ballot of many voters through the members API, and the ways a database reader could try to
link its ballots to its voters (any column, system column, row order)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import text, update

from services.members.ballot_box import fill_ballot_box_job
from services.members.models import Proposal
from services.members.proposals import close_due_proposals_job, receipt_hash
from shared.db import utcnow


@dataclasses.dataclass(frozen=True)
class Vote:
    """What only the voter knows: whom the vote was for, what it said, and its receipt."""

    member_id: int
    option: str
    receipt: str

    @property
    def receipt_hash(self) -> str:
        return receipt_hash(self.receipt)


def open_ballot(coop, coordinator, options=("for", "against")) -> int:
    response = coop.client.post("/proposals", json={
        "title": "Adopt the new rules", "text": "As circulated.", "options": list(options), "quorum_minimum": 1,
        "closes_at": (utcnow() + dt.timedelta(days=7)).isoformat()}, headers=coordinator.headers)
    assert response.status_code == 201, response.json
    return response.json["id"]


def cast(coop, person, proposal_id: int, option: str, on_behalf_of: int | None = None) -> Vote:
    body = {"option": option} if on_behalf_of is None else {"option": option, "on_behalf_of": on_behalf_of}
    response = coop.client.post(f"/proposals/{proposal_id}/votes", json=body, headers=person.headers)
    assert response.status_code == 201, response.json
    return Vote(response.json["member_id"], option, response.json["receipt"])


def hold_election(coop, voters: int = 20, by_proxy: int = 0) -> tuple[int, list[Vote]]:
    """Let members vote one after another (some by proxy), the box's job running after each, then close.

    Choices alternate, so that pairing ballots with voters by order would give every choice away.
    """
    coordinator = coop.coordinator()
    proposal_id = open_ballot(coop, coordinator)
    members = [coop.member() for _ in range(voters)]
    holder = coop.member()
    for absent in members[:by_proxy]:
        response = coop.client.post(f"/proposals/{proposal_id}/proxies", json={"proxy_member_id": holder.member_id},
                                    headers=absent.headers)
        assert response.status_code == 201, response.json
    votes = []
    for number, member in enumerate(members):
        option = ("for", "against")[number % 2]
        if number < by_proxy:
            votes.append(cast(coop, holder, proposal_id, option, on_behalf_of=member.member_id))
        else:
            votes.append(cast(coop, member, proposal_id, option))
        fill_ballot_box_job(coop.runtime)  # as the worker's periodic job would, between votes
    close_now(coop, proposal_id)
    return proposal_id, votes


def close_now(coop, proposal_id: int) -> None:
    """Let the proposal's time run out and close it as the worker's job does."""
    with coop.runtime.db.transaction() as session:
        session.execute(update(Proposal).where(Proposal.id == proposal_id)
                        .values(closes_at=utcnow() - dt.timedelta(seconds=1)))
    close_due_proposals_job(coop.runtime)


# -- what a database reader can see -----------------------------------------------------------------------


def participation_orders(connection, proposal_id: int) -> dict[str, list[int]]:
    """The voters (member ids) of a proposal, in every order the participations table gives them."""
    where = f"WHERE proposal_id = {int(proposal_id)}"
    orders = {"by id": f"SELECT member_id FROM participations {where} ORDER BY id",
              "as stored (no ORDER BY)": f"SELECT member_id FROM participations {where}"}
    if connection.dialect.name == "postgresql":
        orders["by xmin"] = f"SELECT member_id FROM participations {where} ORDER BY xmin::text::bigint, ctid"
        orders["by ctid"] = f"SELECT member_id FROM participations {where} ORDER BY ctid"
    else:
        orders["by rowid"] = f"SELECT member_id FROM participations {where} ORDER BY rowid"
    return {name: list(connection.execute(text(sql)).scalars()) for name, sql in orders.items()}


def ballot_orders(connection, proposal_id: int) -> dict[str, list[tuple[str, str]]]:
    """The ballots (receipt hash, option) of a proposal, in every order the ballots table gives them."""
    where = f"WHERE proposal_id = {int(proposal_id)}"
    columns = "receipt_hash, option"
    orders = {"by id": f"SELECT {columns} FROM ballots {where} ORDER BY id",
              "by receipt hash": f"SELECT {columns} FROM ballots {where} ORDER BY receipt_hash",
              "as stored (no ORDER BY)": f"SELECT {columns} FROM ballots {where}"}
    if connection.dialect.name == "postgresql":
        orders["by xmin"] = f"SELECT {columns} FROM ballots {where} ORDER BY xmin::text::bigint, ctid"
        orders["by ctid"] = f"SELECT {columns} FROM ballots {where} ORDER BY ctid"
        orders["by ctid, backwards"] = f"SELECT {columns} FROM ballots {where} ORDER BY ctid DESC"
    return {name: [tuple(row) for row in connection.execute(text(sql))] for name, sql in orders.items()}


@dataclasses.dataclass(frozen=True)
class Attack:
    """One way of pairing voters with ballots, and how many it got right."""

    name: str
    ballots_linked: int  # paired with her own ballot
    choices_guessed: int  # paired with a ballot that says what she chose


def linking_attacks(connection, proposal_id: int, votes: list[Vote]) -> list[Attack]:
    """Pair the k-th voter with the k-th ballot, for every order of each table; score each pairing."""
    truth = {vote.member_id: vote for vote in votes}
    attacks = []
    for voter_order, members in participation_orders(connection, proposal_id).items():
        for ballot_order, ballots in ballot_orders(connection, proposal_id).items():
            pairs = list(zip(members, ballots, strict=True))
            attacks.append(Attack(
                f"voters {voter_order} with ballots {ballot_order}",
                sum(truth[member].receipt_hash == digest for member, (digest, _option) in pairs),
                sum(truth[member].option == option for member, (_digest, option) in pairs)))
    return attacks


def transaction_ids(connection, table: str) -> set[int]:
    """The ids of the PostgreSQL transactions that wrote a table's rows (its xmin)."""
    return set(connection.execute(text(f"SELECT DISTINCT xmin::text::bigint FROM {table}")).scalars())


_DYING_VOTER = """
import json, os, sys
from pathlib import Path
from services.members import proposals
from services.members.app import build_runtime
from shared.auth import Principal
from shared.settings import Settings
given = json.loads(sys.argv[1])
settings = Settings(data_dir=Path(given["data_dir"]), broker_url=given["broker_url"], exchange=given["exchange"],
                    queue_prefix=given["queue_prefix"], database_urls=given["database_urls"], log_json=False)
runtime = build_runtime(settings)
for account_id, member_id, option in given["votes"]:
    with runtime.db.transaction() as session:
        proposals.cast_vote(session, given["proposal_id"], Principal(account_id, ("member",), member_id), option,
                            inlet=runtime.collaborators.ballot_inlet)
os._exit(9)  # dies at once: no stopping, no flushing, nothing closed
"""


def vote_in_a_process_that_dies(settings, proposal_id: int, votes: list[tuple[int, int, str]]) -> None:
    """Cast votes (account id, member id, option) in another process, which then dies without cleaning up."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    given = {"data_dir": str(settings.data_dir), "broker_url": settings.broker_url, "exchange": settings.exchange,
             "queue_prefix": settings.queue_prefix, "database_urls": settings.database_urls,
             "proposal_id": proposal_id, "votes": votes}
    root = Path(__file__).resolve().parents[2]
    finished = subprocess.run([sys.executable, "-c", _DYING_VOTER, json.dumps(given)], cwd=root,
                              capture_output=True, text=True, timeout=120)
    assert finished.returncode == 9, finished.stderr
