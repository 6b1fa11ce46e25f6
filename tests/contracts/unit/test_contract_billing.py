"""What a completed contract is invoiced at, and what each member business earns from it."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.contracts.rules.billing import InvoiceTotals, Share, invoice_totals, member_shares

TEN_PERCENT_BP = 1_000


def test_a_co_op_not_registered_for_vat_invoices_the_net_with_no_vat_line():
    assert invoice_totals(125_000, vat_registered=False) == InvoiceTotals(125_000, None, 0, 125_000)


def test_a_vat_registered_co_op_adds_twenty_percent_on_top():
    assert invoice_totals(125_000, vat_registered=True) == InvoiceTotals(125_000, 20, 25_000, 150_000)


@pytest.mark.parametrize("net, vat", [(2, 0), (3, 1), (8, 2)])
def test_vat_is_rounded_to_the_nearest_penny(net, vat):
    assert invoice_totals(net, vat_registered=True).vat_pence == vat


def test_half_a_penny_of_vat_rounds_up():
    totals = invoice_totals(10, vat_registered=True, vat_rate_bp=500)

    assert totals == InvoiceTotals(10, 5, 1, 11)


def test_a_negative_net_is_refused():
    with pytest.raises(ValueError):
        invoice_totals(-1, vat_registered=True)


def test_each_member_gets_their_work_less_the_co_ops_fee():
    assert member_shares([(7, 100_000), (9, 25_000)], TEN_PERCENT_BP) == [
        Share(7, 100_000, 10_000, 90_000), Share(9, 25_000, 2_500, 22_500)]


def test_several_allocations_of_one_member_are_summed_into_one_share():
    assert member_shares([(7, 500), (9, 100), (7, 505)], TEN_PERCENT_BP) == [
        Share(7, 1_005, 101, 904), Share(9, 100, 10, 90)]


def test_the_fee_is_worked_out_on_each_members_total_not_on_each_allocation():
    # Two allocations of 5p at 10% would each round half a penny up (2p); on the 10p total it is 1p.
    assert member_shares([(7, 5), (7, 5)], TEN_PERCENT_BP) == [Share(7, 10, 1, 9)]


def test_no_work_means_no_shares():
    assert member_shares([], TEN_PERCENT_BP) == []


def test_a_negative_value_of_work_is_refused():
    with pytest.raises(ValueError):
        member_shares([(7, -1)], TEN_PERCENT_BP)


work = st.lists(st.tuples(st.integers(1, 8), st.integers(0, 10_000_000)), max_size=30)


@given(work=work, fee_bp=st.integers(0, 10_000))
def test_shares_add_up_to_the_penny(work, fee_bp):
    shares = member_shares(work, fee_bp)

    assert all(share.fee_pence + share.net_pence == share.gross_pence for share in shares)
    assert all(share.fee_pence >= 0 and share.net_pence >= 0 for share in shares)
    assert sum(share.gross_pence for share in shares) == sum(value for _, value in work)
    assert [share.member_id for share in shares] == sorted({member_id for member_id, _ in work})
