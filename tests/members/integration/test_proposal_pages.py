"""A member's pages of the co-op's votes: the lists, one proposal, voting (once), proxies, receipts and
results; nothing ever shows how anyone else voted."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from services.contracts.events import CATALOG as CONTRACTS
from services.members.models import Participation, Proposal, Proxy
from tests.support.ballots import cast, close_now, open_ballot
from tests.support.concurrency import at_once, no_server_errors, serve
from tests.support.impact_pages import deliver_all
from tests.support.member_pages import MemberBrowser, receipt_in


def votes_of(coop, proposal_id: int) -> int:
    with coop.runtime.db.sessionmaker() as session:
        return session.scalar(select(func.count()).select_from(Participation)
                              .where(Participation.proposal_id == proposal_id))


def proxy_of(coop, proposal_id: int, member_id: int):
    with coop.runtime.db.sessionmaker() as session:
        return session.scalar(select(Proxy.proxy_member_id).where(Proxy.proposal_id == proposal_id,
                                                                  Proxy.member_id == member_id))


def test_the_list_shows_open_and_decided_proposals(coop):
    coordinator = coop.coordinator()
    open_id, decided_id = open_ballot(coop, coordinator), open_ballot(coop, coordinator)
    with coop.runtime.db.transaction() as session:
        session.get(Proposal, open_id).title = "Buy a van"
    close_now(coop, decided_id)
    text = MemberBrowser(coop, coop.member()).get("/votes/").get_data(as_text=True)
    open_part, decided_part = text.split('id="decided-heading"')
    assert "Buy a van" in open_part
    assert f"/votes/{decided_id}" in decided_part and f"/votes/{decided_id}" not in open_part


def test_a_customer_cannot_read_the_votes(coop):
    open_ballot(coop, coop.coordinator())
    page = MemberBrowser(coop, coop.account("customer")).get("/votes/")
    assert page.status_code == 403


def test_a_member_votes_and_is_shown_her_receipt_once(coop):
    proposal_id = open_ballot(coop, coop.coordinator())
    browser = MemberBrowser(coop, coop.member())
    answer = browser.post(f"/votes/{proposal_id}/vote", {"option": "for"})
    assert answer.status_code == 200
    assert "Vote recorded" in answer.get_data(as_text=True)
    assert answer.headers["Cache-Control"] == "no-store"
    assert len(receipt_in(answer.get_data(as_text=True))) > 20
    assert votes_of(coop, proposal_id) == 1
    again = browser.get(f"/votes/{proposal_id}").get_data(as_text=True)
    assert "You have voted" in again and "Cast my vote" not in again


def test_voting_twice_is_answered_409_with_the_reason(coop):
    proposal_id = open_ballot(coop, coop.coordinator())
    browser = MemberBrowser(coop, coop.member())
    browser.post(f"/votes/{proposal_id}/vote", {"option": "for"})
    again = browser.post(f"/votes/{proposal_id}/vote", {"option": "against"})
    assert again.status_code == 409
    assert 'role="alert"' in again.get_data(as_text=True) and "already voted" in again.get_data(as_text=True)
    assert votes_of(coop, proposal_id) == 1


def test_a_customer_voting_is_refused(coop):
    proposal_id = open_ballot(coop, coop.coordinator())
    answer = MemberBrowser(coop, coop.account("customer")).post(f"/votes/{proposal_id}/vote", {"option": "for"})
    assert answer.status_code == 403
    assert votes_of(coop, proposal_id) == 0


def test_a_suspended_member_voting_is_refused(coop):
    proposal_id = open_ballot(coop, coop.coordinator())
    member = coop.sign_in_again(coop.member(status="suspended"))
    answer = MemberBrowser(coop, member).post(f"/votes/{proposal_id}/vote", {"option": "for"})
    assert answer.status_code == 403
    assert votes_of(coop, proposal_id) == 0


def test_voting_without_a_choice_says_so(coop):
    proposal_id = open_ballot(coop, coop.coordinator())
    answer = MemberBrowser(coop, coop.member()).post(f"/votes/{proposal_id}/vote", {})
    assert answer.status_code == 422
    assert "Choose one of the options" in answer.get_data(as_text=True)


def test_a_choice_not_on_the_ballot_is_refused_and_nothing_recorded(coop):
    proposal_id = open_ballot(coop, coop.coordinator())
    answer = MemberBrowser(coop, coop.member()).post(f"/votes/{proposal_id}/vote", {"option": "maybe"})
    assert answer.status_code == 422
    assert votes_of(coop, proposal_id) == 0


def test_a_vote_on_a_decided_proposal_is_refused(coop):
    proposal_id = open_ballot(coop, coop.coordinator())
    close_now(coop, proposal_id)
    answer = MemberBrowser(coop, coop.member()).post(f"/votes/{proposal_id}/vote", {"option": "for"})
    assert answer.status_code == 409


def test_a_vote_without_the_csrf_token_is_not_recorded(coop):
    proposal_id = open_ballot(coop, coop.coordinator())
    answer = MemberBrowser(coop, coop.member()).post(f"/votes/{proposal_id}/vote", {"option": "for"}, csrf="x")
    assert answer.status_code == 401
    assert votes_of(coop, proposal_id) == 0


def test_a_member_appoints_a_proxy_by_name_and_withdraws_it(coop):
    proposal_id = open_ballot(coop, coop.coordinator())
    member, holder = coop.member(), coop.member(name="Silver Lining Jewellery")
    browser = MemberBrowser(coop, member)
    assert "Silver Lining Jewellery" in browser.get(f"/votes/{proposal_id}").get_data(as_text=True)
    answer = browser.post(f"/votes/{proposal_id}/proxy", {"proxy_member_id": str(holder.member_id)})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("done=proxy-appointed")
    page = browser.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Proxy appointed" in page and "You have appointed Silver Lining Jewellery" in page
    assert proxy_of(coop, proposal_id, member.member_id) == holder.member_id
    answer = browser.post(f"/votes/{proposal_id}/proxy/withdraw")
    assert answer.status_code == 303
    assert "Proxy withdrawn" in browser.get(answer.headers["Location"]).get_data(as_text=True)
    assert proxy_of(coop, proposal_id, member.member_id) is None


def test_the_proxy_votes_for_the_member_who_appointed_her(coop):
    proposal_id = open_ballot(coop, coop.coordinator())
    member, holder = coop.member(name="Wagtails"), coop.member()
    MemberBrowser(coop, member).post(f"/votes/{proposal_id}/proxy", {"proxy_member_id": str(holder.member_id)})
    browser = MemberBrowser(coop, holder)
    assert "How do you vote for Wagtails?" in browser.get(f"/votes/{proposal_id}").get_data(as_text=True)
    answer = browser.post(f"/votes/{proposal_id}/vote", {"option": "against", "on_behalf_of": str(member.member_id)})
    assert answer.status_code == 200 and "Your vote for Wagtails" in answer.get_data(as_text=True)
    assert votes_of(coop, proposal_id) == 1
    assert "Your proxy" in MemberBrowser(coop, member).get(f"/votes/{proposal_id}").get_data(as_text=True)


def test_voting_for_a_member_who_did_not_appoint_you_is_refused(coop):
    proposal_id = open_ballot(coop, coop.coordinator())
    stranger = coop.member()
    answer = MemberBrowser(coop, coop.member()).post(
        f"/votes/{proposal_id}/vote", {"option": "for", "on_behalf_of": str(stranger.member_id)})
    assert answer.status_code == 403
    assert votes_of(coop, proposal_id) == 0


def test_a_proxy_cannot_be_withdrawn_once_it_has_voted(coop):
    proposal_id = open_ballot(coop, coop.coordinator())
    member, holder = coop.member(), coop.member()
    MemberBrowser(coop, member).post(f"/votes/{proposal_id}/proxy", {"proxy_member_id": str(holder.member_id)})
    cast(coop, holder, proposal_id, "for", on_behalf_of=member.member_id)
    answer = MemberBrowser(coop, member).post(f"/votes/{proposal_id}/proxy/withdraw")
    assert answer.status_code == 409
    assert proxy_of(coop, proposal_id, member.member_id) == holder.member_id


def test_withdrawing_a_proxy_never_appointed_is_answered_cleanly(coop):
    proposal_id = open_ballot(coop, coop.coordinator())
    assert MemberBrowser(coop, coop.member()).post(f"/votes/{proposal_id}/proxy/withdraw").status_code == 404


def test_appointing_herself_keeps_her_choice_and_says_why(coop):
    proposal_id = open_ballot(coop, coop.coordinator())
    member = coop.member()
    answer = MemberBrowser(coop, member).post(f"/votes/{proposal_id}/proxy", {"proxy_member_id": str(member.member_id)})
    assert answer.status_code == 422
    assert "yourself" in answer.get_data(as_text=True)


def test_her_receipt_finds_her_ballot_once_the_vote_is_decided(coop):
    proposal_id = open_ballot(coop, coop.coordinator())
    browser = MemberBrowser(coop, coop.member())
    receipt = receipt_in(browser.post(f"/votes/{proposal_id}/vote", {"option": "against"}).get_data(as_text=True))
    early = browser.post(f"/votes/{proposal_id}/receipt", {"receipt": receipt})
    assert early.status_code == 404 and "may not be there yet" in early.get_data(as_text=True)
    assert receipt in early.get_data(as_text=True)  # what was typed is kept
    close_now(coop, proposal_id)
    found = browser.post(f"/votes/{proposal_id}/receipt", {"receipt": receipt})
    assert found.status_code == 200 and "recorded as “against”" in found.get_data(as_text=True)


def test_a_receipt_from_another_proposal_finds_nothing(coop):
    coordinator = coop.coordinator()
    first, second = open_ballot(coop, coordinator), open_ballot(coop, coordinator)
    vote = cast(coop, coop.member(), first, "for")
    close_now(coop, first)
    close_now(coop, second)
    answer = MemberBrowser(coop, coop.member()).post(f"/votes/{second}/receipt", {"receipt": vote.receipt})
    assert answer.status_code == 404


def test_the_result_shows_the_counts_and_never_who_voted_how(coop):
    proposal_id = open_ballot(coop, coop.coordinator())
    voters = [coop.member(name=f"Voter business {n}") for n in range(3)]
    for voter, option in zip(voters, ("for", "for", "against"), strict=True):
        cast(coop, voter, proposal_id, option)
    close_now(coop, proposal_id)
    text = MemberBrowser(coop, voters[0]).get(f"/votes/{proposal_id}").get_data(as_text=True)
    assert "Passed" in text and '<td class="number">2</td>' in text and '<td class="number">1</td>' in text
    assert "Voter business 1" not in text and "Voter business 2" not in text


def test_an_open_proposal_shows_how_many_voted_but_no_counts(coop):
    proposal_id = open_ballot(coop, coop.coordinator())
    cast(coop, coop.member(), proposal_id, "for")
    text = MemberBrowser(coop, coop.member()).get(f"/votes/{proposal_id}").get_data(as_text=True)
    assert "1 member has voted so far" in text and 'id="tally"' not in text


def test_a_contract_approval_shows_its_money_in_pounds(coop):
    spec = CONTRACTS.specs["contract.agreed"]
    deliver_all(coop, [CONTRACTS.build("contract.agreed", {
        **spec.schema().load(spec.example), "total_pence": 1_234_500, "approval_threshold_pence": 500_000,
        "needs_approval": True, "occurred_at": dt.datetime.now(dt.UTC)})])
    with coop.runtime.db.sessionmaker() as session:
        proposal_id = session.scalar(select(Proposal.id).where(Proposal.subject_type == "contract"))
    text = MemberBrowser(coop, coop.member()).get(f"/votes/{proposal_id}").get_data(as_text=True)
    assert "Contract approval" in text and "£12,345.00" in text and "£5,000.00" in text
    assert "pence" not in text


def test_an_unknown_proposal_is_not_found(coop):
    assert MemberBrowser(coop, coop.member()).get("/votes/999999").status_code == 404


def test_the_api_withdraws_only_the_callers_own_proxy(coop):
    proposal_id = open_ballot(coop, coop.coordinator())
    member, holder, other = coop.member(), coop.member(), coop.member()
    coop.client.post(f"/proposals/{proposal_id}/proxies", json={"proxy_member_id": holder.member_id},
                     headers=member.headers)
    assert coop.client.delete(f"/proposals/{proposal_id}/proxies", headers=other.headers).status_code == 404
    assert proxy_of(coop, proposal_id, member.member_id) == holder.member_id
    assert coop.client.delete(f"/proposals/{proposal_id}/proxies", headers=member.headers).status_code == 204
    assert proxy_of(coop, proposal_id, member.member_id) is None


def test_a_coordinator_reads_a_proposal_without_a_vote_form(coop):
    proposal_id = open_ballot(coop, coop.coordinator())
    page = MemberBrowser(coop, coop.coordinator()).get(f"/votes/{proposal_id}")
    assert page.status_code == 200
    assert "Adopt the new rules" in page.get_data(as_text=True) and "Cast my vote" not in page.get_data(as_text=True)


def test_a_proxys_vote_and_its_withdrawal_at_once_are_one_after_the_other(coop):
    coordinator = coop.coordinator()
    member, holder = coop.member(), coop.member()
    with serve(coop.app) as server:
        for _round in range(4):
            proposal_id = open_ballot(coop, coordinator)
            coop.client.post(f"/proposals/{proposal_id}/proxies", json={"proxy_member_id": holder.member_id},
                             headers=member.headers)
            answers = at_once([
                lambda p=proposal_id: server.post(f"/proposals/{p}/votes",
                                                  {"option": "for", "on_behalf_of": member.member_id}, holder.headers),
                lambda p=proposal_id: server.send("DELETE", f"/proposals/{p}/proxies", None, member.headers),
            ])
            assert no_server_errors(answers)
            voted, withdrawn = answers[0].status == 201, answers[1].status == 204
            assert voted != withdrawn, [answer.status for answer in answers]
            assert votes_of(coop, proposal_id) == (1 if voted else 0)
            assert (proxy_of(coop, proposal_id, member.member_id) is None) == withdrawn
