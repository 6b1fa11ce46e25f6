"""Every event the notifications service reads tells the right people, once, with the right link.

The producers' new events and fields are agreed contracts (issue 17) built in other branches, so these
envelopes are made raw (tests/support/notifications.py), not from the producers' catalogs.
"""

import datetime as dt
import json

import pytest

from services.notifications import handlers, messages
from shared.consumer import list_dead_letters
from tests.support.concurrency import at_once

CLOSES = dt.datetime(2026, 12, 4, 17, 0, tzinfo=dt.UTC)  # Friday 4 December 2026, 17:00 in UK time too
CLOSES_TEXT = "Friday 4 December 2026, 17:00"
DUE = dt.date(2026, 12, 4)

# Facts that must never reach a notice or an email, handed along in the events' data as extra keys.
CONFIDENTIAL = {
    "conviction": "CONVICTION-theft-2019", "disclosure_text": "DISCLOSURE-TEXT-unspent-caution",
    "restriction": "RESTRICTION-no-lone-working", "suspension_reason": "SUSPENSION-REASON-fees-unpaid",
    "votes": {"70001": "VOTE-CHOICE-against"},
}


def site(notices, path):
    return notices.runtime.collaborators.settings.site_url.rstrip("/") + path


def order(notices, event_type, buyer, sellers, total=1240):
    return notices.envelope(event_type, {
        "order_id": 41, "status": event_type.split(".")[1], "total_pence": total, "currency": "GBP",
        "buyer_member_id": None, "buyer_account_id": buyer.account_id, "receipt_path": "/marketplace/orders/41",
        "sellers": [{"seller_id": index, "account_id": seller.account_id, "gross_pence": 1000 + index,
                     "commission_pence": 100, "net_pence": 900 + index,
                     "lines": [{"title": f"Card {index}", "quantity": index, "amount_pence": 1000 + index}]}
                    for index, seller in enumerate(sellers, start=1)]}, source="marketplace")


# Each scenario makes its people and returns (envelope, the people told, the link their email carries).
def verify_email(notices, verified=True):
    jo = notices.person("Jo", verified=verified)
    return notices.envelope("account.verification_requested", {
        "account_id": jo.account_id, "verify_path": "/members/account/verify-email?token=abc",
        "expires_at": CLOSES}), [jo], "/members/account/verify-email?token=abc"


def password_reset(notices, verified=True):
    jo = notices.person("Jo", verified=verified)
    return notices.envelope("account.password_reset_requested", {
        "account_id": jo.account_id, "reset_path": "/members/account/reset-password?token=xyz",
        "expires_at": CLOSES}), [jo], "/members/account/reset-password?token=xyz"


def registration_repeated(notices, verified=True):
    jo = notices.person("Jo", verified=verified)
    return notices.envelope("account.registration_repeated", {
        "account_id": jo.account_id, "forgot_password_path": "/members/account/forgot-password"}), [jo], \
        "/members/account/forgot-password"


def member_declined(notices, verified=True):
    jo = notices.person("Jo", verified=verified)
    return notices.envelope("member.declined", {"member_id": 5, "account_id": jo.account_id,
                                                "reason": "The sector is full for now."}), [jo], \
        "/notifications/inbox/notices"


def new_order(notices, verified=True):
    jo, sam, buyer = (notices.person("Jo", verified=verified), notices.person("Sam", verified=verified),
                      notices.person("Buyer"))
    return order(notices, "order.paid", buyer, [jo, sam]), [jo, sam], "/notifications/inbox/notices"


def customer_order(event_type):
    def scenario(notices, verified=True):
        buyer, seller = notices.person("Buyer", verified=verified), notices.person("Seller")
        return order(notices, event_type, buyer, [seller]), [buyer], "/marketplace/orders/41"
    return scenario


def payout_paid(notices, verified=True):
    jo = notices.person("Jo", verified=verified)
    return notices.envelope("payout.paid", {
        "payout_id": 5, "seller_id": 3, "account_id": jo.account_id, "amount_pence": 124000, "currency": "GBP",
        "period_start": dt.date(2026, 11, 1), "period_end": dt.date(2026, 11, 30),
        "statement_path": "/marketplace/payouts/5"}, source="marketplace"), [jo], "/marketplace/payouts/5"


def proposal_opened(notices, verified=True):
    jo, sam = notices.person("Jo", verified=verified), notices.person("Sam", verified=verified)
    return notices.envelope("proposal.opened", {
        "proposal_id": 3, "title": "Buy a second van", "kind": "ordinary", "closes_at": CLOSES,
        "subject_type": None, "subject_id": None, "voter_account_ids": [jo.account_id, sam.account_id]}), \
        [jo, sam], "/members/votes/3"


def proposal_closing_soon(notices, verified=True):
    jo = notices.person("Jo", verified=verified)
    return notices.envelope("proposal.closing_soon", {
        "proposal_id": 3, "title": "Buy a second van", "closes_at": CLOSES, "account_ids": [jo.account_id]}), \
        [jo], "/members/votes/3"


def proposal_decided(notices, verified=True):
    jo, sam = notices.person("Jo", verified=verified), notices.person("Sam", verified=verified)
    return notices.envelope("proposal.decided", {
        "proposal_id": 3, "title": "Buy a second van", "outcome": "passed", "winning_option": "for",
        "counts": {"for": 12, "against": 3}, "votes_cast": 15, "quorum": 10, "subject_type": None,
        "subject_id": None, "decided_at": CLOSES, "member_account_ids": [jo.account_id, sam.account_id]}), \
        [jo, sam], "/members/votes/3"


def work_allocated(notices, verified=True):
    jo = notices.person("Jo", verified=verified)
    return notices.envelope("contract.work_allocated", {
        "contract_id": 15, "reference": "C-0015", "allocation_id": 2, "member_id": 7, "account_id": jo.account_id,
        "description": "Printed cards", "quantity": 250, "value_pence": 12500, "respond_by": DUE},
        source="contracts"), [jo], "/notifications/inbox/notices"


def offer_lapsing(notices, verified=True):
    ann, bea = (notices.person("Ann", roles=("coordinator",), verified=verified),
                notices.person("Bea", roles=("admin", "coordinator"), verified=verified))
    return notices.envelope("contract.offer_lapsing", {
        "contract_id": 15, "reference": "C-0015", "title": "Christmas cards", "buyer_name": "Leaf & Co",
        "lapses_at": CLOSES}, source="contracts"), [ann, bea], "/notifications/inbox/notices"


def application_moved(notices, verified=True):
    seeker, employer = notices.person("Jo", verified=verified), notices.person("Employer", verified=verified)
    return notices.envelope("application.stage_changed", {
        "application_id": 4, "vacancy_id": 2, "employer_id": 6, "job_seeker_id": 9, "stage": "withdrawn",
        "job_seeker_account_id": seeker.account_id, "employer_account_id": employer.account_id,
        "vacancy_title": "Warehouse assistant", "moved_by": "job_seeker"}, source="brokering"), \
        [seeker, employer], "/notifications/inbox/notices"


def disclosure_read(notices, verified=True):
    seeker = notices.person("Jo", verified=verified)
    return notices.envelope("disclosure.read", {
        "job_seeker_id": 9, "job_seeker_account_id": seeker.account_id, "reader_name": "Sam Coordinator",
        "reader_role": "coordinator", "read_at": CLOSES}, source="brokering"), [seeker], \
        "/notifications/inbox/notices"


def check_in_due(notices, verified=True):
    ann, bea = (notices.person("Ann", roles=("coordinator",), verified=verified),
                notices.person("Bea", roles=("coordinator",), verified=verified))
    return notices.envelope("placement.check_in_due", {
        "placement_id": 8, "check_in_id": 3, "employer_name": "Leeds Soap", "due_on": DUE,
        "placement_path": "/brokering/placements/8"}, source="brokering"), [ann, bea], "/brokering/placements/8"


SCENARIOS = {
    "verify_email": verify_email, "password_reset": password_reset, "registration_repeated": registration_repeated,
    "member_declined": member_declined, "new_order": new_order,
    "order_confirmed": customer_order("order.confirmed"), "order_fulfilled": customer_order("order.fulfilled"),
    "order_refunded": customer_order("order.refunded"), "payout_paid": payout_paid,
    "proposal_opened": proposal_opened, "proposal_closing_soon": proposal_closing_soon,
    "proposal_decided": proposal_decided, "work_allocated": work_allocated, "offer_lapsing": offer_lapsing,
    "application_moved": application_moved, "disclosure_read": disclosure_read, "check_in_due": check_in_due,
}
ESSENTIAL = ("verify_email", "password_reset", "registration_repeated")


def told_twice(notices, envelope):
    body = json.dumps(envelope.to_dict())
    return [notices.runtime.processor.process(body).value for _ in range(2)]


def test_every_kind_but_the_welcome_has_a_scenario_here():
    assert set(SCENARIOS) | {"member_admitted"} == set(messages.KINDS)


@pytest.mark.parametrize("kind", sorted(SCENARIOS))
def test_the_event_delivered_twice_tells_each_right_person_once_with_the_link(notices, kind):
    bystander = notices.person("Bystander", roles=("customer",))
    envelope, people, link = SCENARIOS[kind](notices)
    assert told_twice(notices, envelope) == ["handled", "duplicate"]
    for person in people:
        [notice] = notices.notices_of(person.account_id)
        [email] = notices.emails(person.account_id)
        assert notice.kind == email.kind == kind and email.to_address == f"p{person.account_id}@example.org"
        assert site(notices, link) in email.text and email.html
    assert notices.notices_of(bystander.account_id) == [] and notices.emails(bystander.account_id) == []
    assert len(notices.emails()) == len(people)


@pytest.mark.parametrize("kind", sorted(set(SCENARIOS) - set(ESSENTIAL)))
def test_an_unverified_address_is_told_on_the_site_only(notices, kind):
    envelope, people, _link = SCENARIOS[kind](notices, verified=False)
    assert notices.process(envelope) == "handled"
    for person in people:
        assert len(notices.notices_of(person.account_id)) == 1
    assert notices.emails() == []


@pytest.mark.parametrize("kind", ESSENTIAL)
def test_the_essential_kinds_are_emailed_even_to_an_unverified_address(notices, kind):
    envelope, [jo], link = SCENARIOS[kind](notices, verified=False)
    assert notices.process(envelope) == "handled"
    [email] = notices.emails(jo.account_id)
    assert email.kind == kind and site(notices, link) in email.text


@pytest.mark.parametrize("kind", sorted(SCENARIOS))
def test_no_confidential_fact_in_the_event_reaches_a_notice_or_an_email(notices, kind):
    envelope, _people, _link = SCENARIOS[kind](notices)
    assert notices.process(envelope.with_data({**envelope.data, **CONFIDENTIAL})) == "handled"
    told = [notice.body for notice in notices.notices_of_everyone()]
    told += [part for email in notices.emails() for part in (email.subject, email.text, email.html)]
    secrets = ["CONVICTION", "DISCLOSURE-TEXT", "RESTRICTION", "SUSPENSION-REASON", "VOTE-CHOICE"]
    assert told and not [secret for secret in secrets if any(secret in part for part in told)]


def test_a_verification_after_the_event_does_not_email_it_on_a_replay(notices):
    envelope, [jo], _link = member_declined(notices, verified=False)
    assert notices.process(envelope) == "handled"
    assert notices.deliver_raw("account.email_verified", {"account_id": jo.account_id}) == "handled"
    with notices.runtime.db.transaction() as session:  # handled again past the inbox, as a replay would
        handlers.tell_declined_member(session, envelope.with_data(
            handlers.MemberDeclined().load(envelope.data)), notices.runtime.collaborators.settings)
    assert notices.emails() == [] and len(notices.notices_of(jo.account_id)) == 1


def test_once_verified_she_is_emailed_the_next_kind(notices):
    jo = notices.person("Jo", verified=False)
    assert notices.deliver_raw("account.email_verified", {"account_id": jo.account_id}) == "handled"
    assert notices.deliver_raw("member.declined", {"member_id": 5, "account_id": jo.account_id,
                                                   "reason": ""}) == "handled"
    assert [email.kind for email in notices.emails(jo.account_id)] == ["member_declined"]


def test_a_verification_arriving_before_the_registration_stands(notices):
    assert notices.deliver_raw("account.email_verified", {"account_id": 515151}) == "handled"
    assert notices.deliver_raw("account.registered", {
        "account_id": 515151, "email": "early@example.org", "display_name": "Early", "roles": ["customer"],
        "email_verified": False}) == "handled"
    assert notices.deliver_raw("member.declined", {"member_id": 5, "account_id": 515151,
                                                   "reason": ""}) == "handled"
    assert [email.to_address for email in notices.emails()] == ["early@example.org"]


def test_the_reset_link_is_emailed_but_never_shown_in_the_site_notice(notices):
    envelope, [jo], link = password_reset(notices)
    assert notices.process(envelope) == "handled"
    [notice] = notices.notices_of(jo.account_id)
    assert "token" not in notice.body and "reset-password" not in notice.body and "not you" in notice.body
    assert site(notices, link) in notices.emails(jo.account_id)[0].text


def test_the_verify_link_says_when_it_expires_in_uk_time(notices):
    envelope, [jo], _link = verify_email(notices)
    notices.process(envelope)
    assert CLOSES_TEXT in notices.emails(jo.account_id)[0].text


def test_the_declined_applicant_is_told_the_reason_given(notices):
    envelope, [jo], _link = member_declined(notices)
    notices.process(envelope)
    assert "The sector is full for now." in notices.emails(jo.account_id)[0].text


def test_each_seller_of_a_new_order_sees_her_own_lines_and_amounts_only(notices):
    envelope, [jo, sam], _link = new_order(notices)
    notices.process(envelope)
    [to_jo], [to_sam] = notices.emails(jo.account_id), notices.emails(sam.account_id)
    assert "Card 1" in to_jo.text and "£10.01" in to_jo.text and "£9.01" in to_jo.text and "41" in to_jo.text
    assert "Card 2" not in to_jo.text and "£10.02" not in to_jo.text
    assert "Card 2" in to_sam.text and "Card 1" not in to_sam.text


def test_the_customer_sees_her_whole_receipt_and_the_total_in_pounds(notices):
    buyer, jo, sam = notices.person("Buyer"), notices.person("Jo"), notices.person("Sam")
    notices.process(order(notices, "order.confirmed", buyer, [jo, sam], total=2003))
    [email] = notices.emails(buyer.account_id)
    assert "Card 1" in email.text and "Card 2" in email.text and "£20.03" in email.text
    assert "confirmed" in email.subject.lower()
    assert notices.emails(jo.account_id) == []


def test_the_payout_says_the_amount_in_pounds(notices):
    envelope, [jo], _link = payout_paid(notices)
    notices.process(envelope)
    assert "£1,240.00" in notices.emails(jo.account_id)[0].text


def test_the_decided_proposal_gives_the_tally_not_who_voted_how(notices):
    envelope, [jo, _sam], _link = proposal_decided(notices)
    notices.process(envelope)
    [email] = notices.emails(jo.account_id)
    assert "for: 12" in email.text and "against: 3" in email.text and "passed" in email.text


def test_work_with_no_answer_date_asks_for_one_as_soon_as_she_can(notices):
    envelope, [jo], _link = work_allocated(notices)
    notices.process(envelope.with_data({**envelope.data, "respond_by": None}))
    [email] = notices.emails(jo.account_id)
    assert "as soon as you can" in email.text and "£125.00" in email.text and "250" in email.text


def test_work_with_an_answer_date_says_it(notices):
    envelope, [jo], _link = work_allocated(notices)
    notices.process(envelope)
    assert "by Friday 4 December 2026" in notices.emails(jo.account_id)[0].text


def test_a_move_by_the_employer_tells_the_job_seeker_only(notices):
    envelope, [seeker, employer], _link = application_moved(notices)
    assert notices.process(envelope.with_data({**envelope.data, "moved_by": "employer",
                                               "stage": "interview"})) == "handled"
    assert len(notices.emails(seeker.account_id)) == 1 and notices.emails(employer.account_id) == []


def test_a_job_seeker_with_no_account_is_not_told_and_nothing_is_parked(notices):
    envelope, [_seeker, employer], _link = application_moved(notices)
    assert notices.process(envelope.with_data({**envelope.data, "moved_by": "coordinator",
                                               "job_seeker_account_id": None})) == "handled"
    assert notices.emails() == [] and list_dead_letters(notices.runtime.db) == []


def test_a_disclosure_read_says_who_read_it_and_when(notices):
    envelope, [seeker], _link = disclosure_read(notices)
    notices.process(envelope)
    [email] = notices.emails(seeker.account_id)
    assert "Sam Coordinator" in email.text and CLOSES_TEXT in email.text


def test_the_coordinators_are_those_whose_roles_include_it_as_last_told(notices):
    ann = notices.person("Ann", roles=("coordinator",))
    was = notices.person("Was", roles=("coordinator",))
    assert notices.deliver_raw("account.roles_changed", {"account_id": was.account_id,
                                                         "roles": ["customer"]}) == "handled"
    notices.person("Cus", roles=("customer", "member"))
    envelope, _people, _link = check_in_due(notices)
    notices.process(envelope)
    assert len(notices.emails(ann.account_id)) == 1 and notices.emails(was.account_id) == []
    assert len(notices.emails()) == 3  # Ann and the scenario's two coordinators


def test_a_fan_out_tells_those_known_and_does_not_wait_for_one_not_known_yet(notices):
    envelope, [jo, sam], _link = proposal_opened(notices)
    voters = [jo.account_id, 616161, sam.account_id]
    assert notices.process(envelope.with_data({**envelope.data, "voter_account_ids": voters})) == "handled"
    assert {email.account_id for email in notices.emails()} == {jo.account_id, sam.account_id}
    assert list_dead_letters(notices.runtime.db) == []


def test_an_event_for_one_person_not_known_yet_is_parked_to_be_replayed(notices):
    envelope, [_jo], _link = payout_paid(notices)
    stranger = envelope.with_data({**envelope.data, "account_id": 626262})
    assert notices.process(stranger) == "dead_lettered"
    [letter] = list_dead_letters(notices.runtime.db)
    assert "not known here yet" in letter.error


def test_one_fan_out_taken_by_many_workers_at_once_tells_each_voter_once(notices):
    envelope, [jo, sam], _link = proposal_opened(notices)
    body = json.dumps(envelope.to_dict())
    outcomes = at_once([lambda: notices.runtime.processor.process(body).value for _ in range(8)])
    assert sorted(outcomes) == ["duplicate"] * 7 + ["handled"]
    for person in (jo, sam):
        assert len(notices.notices_of(person.account_id)) == 1 and len(notices.emails(person.account_id)) == 1
