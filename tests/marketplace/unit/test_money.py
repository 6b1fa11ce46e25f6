"""Commission, sellers' shares, refunds, statements and VAT, all to the penny."""

import datetime as dt
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.marketplace.rules.commission import (
    NOTHING_REFUNDED,
    CommissionRates,
    OrderLine,
    RefundShare,
    SellerShare,
    commission_pence,
    order_total_pence,
    refund_split,
    split_order,
)
from services.marketplace.rules.statements import Payout, Sale, SaleRefund, Statement
from services.marketplace.rules.vat import vat_breakdown

CATEGORIES = ["cards", "jewellery", "catering", "fashion", "crafts"]
TEN_PERCENT = CommissionRates(1000)
DAY = dt.date(2026, 11, 2)


def on(day):
    return DAY.replace(day=day)


# commission_pence


def test_commission_is_the_rate_in_basis_points_of_the_amount():
    assert commission_pence(2500, 1000) == 250


def test_half_a_penny_of_commission_rounds_up():
    assert commission_pence(5, 1000) == 1


def test_less_than_half_a_penny_of_commission_rounds_down():
    assert commission_pence(4, 1000) == 0


def test_a_full_rate_takes_the_whole_amount_and_a_zero_rate_nothing():
    assert (commission_pence(999, 10_000), commission_pence(999, 0)) == (999, 0)


@pytest.mark.parametrize(("amount", "rate"), [(-1, 1000), (100, -1), (100, 10_001), (10.0, 1000), (100, 1000.0)])
def test_a_negative_or_fractional_amount_or_an_impossible_rate_is_refused(amount, rate):
    with pytest.raises(ValueError):
        commission_pence(amount, rate)


@given(st.integers(0, 10**9), st.integers(0, 10_000))
def test_commission_is_within_half_a_penny_of_exact_and_between_nothing_and_the_amount(amount, rate):
    commission = commission_pence(amount, rate)
    assert 0 <= commission <= amount
    assert abs(commission - Fraction(amount * rate, 10_000)) <= Fraction(1, 2)


# CommissionRates and OrderLine


def test_a_category_with_its_own_rate_uses_it():
    assert CommissionRates(1000, {"jewellery": 1500}).rate_for("jewellery") == 1500


def test_a_category_without_its_own_rate_uses_the_default():
    assert CommissionRates(1000, {"jewellery": 1500}).rate_for("cards") == 1000


def test_rates_cannot_be_changed_after_they_are_set():
    rates = CommissionRates(1000, {"jewellery": 1500})
    with pytest.raises(TypeError):
        rates.per_category["jewellery"] = 0


def test_an_impossible_category_rate_is_refused():
    with pytest.raises(ValueError):
        CommissionRates(1000, {"jewellery": 10_001})


@pytest.mark.parametrize(("price", "quantity"), [(-1, 1), (100, 0), (100, -2), (99.5, 1), (100, 1.5)])
def test_a_negative_price_or_a_quantity_below_one_is_refused(price, quantity):
    with pytest.raises(ValueError):
        OrderLine(1, "cards", price, quantity)


# split_order


def test_each_seller_gets_the_sum_of_their_own_lines():
    lines = [OrderLine(1, "cards", 350, 2), OrderLine(2, "crafts", 1200, 1), OrderLine(1, "cards", 100, 1)]
    shares = split_order(lines, TEN_PERCENT)
    assert {seller: share.gross_pence for seller, share in shares.items()} == {1: 800, 2: 1200}


def test_each_line_pays_the_rate_of_its_category():
    lines = [OrderLine(1, "cards", 1000, 2), OrderLine(1, "jewellery", 999, 1)]
    share = split_order(lines, CommissionRates(1000, {"jewellery": 1500}))[1]
    assert (share.commission_pence, share.net_pence) == (200 + 150, 2999 - 350)


def test_commission_is_rounded_on_each_line_then_summed():
    lines = [OrderLine(1, "cards", 5, 1), OrderLine(1, "crafts", 5, 1)]
    assert split_order(lines, TEN_PERCENT)[1].commission_pence == 2  # 1 + 1, not round(1.0)


def test_commission_is_taken_on_a_line_total_not_on_each_unit():
    assert split_order([OrderLine(1, "cards", 5, 3)], TEN_PERCENT)[1].commission_pence == 2  # 1.5, not 3 * 0.5


def test_an_empty_order_has_no_shares():
    assert split_order([], TEN_PERCENT) == {}


def test_a_share_whose_parts_do_not_add_up_is_refused():
    with pytest.raises(ValueError):
        SellerShare(1, gross_pence=1000, commission_pence=100, net_pence=901)


order_lines = st.lists(
    st.builds(
        OrderLine,
        seller_id=st.integers(1, 5),
        category=st.sampled_from(CATEGORIES),
        unit_price_pence=st.integers(0, 100_000),
        quantity=st.integers(1, 50),
    ),
    max_size=20,
)
commission_rates = st.builds(
    CommissionRates,
    default_bp=st.integers(0, 10_000),
    per_category=st.dictionaries(st.sampled_from(CATEGORIES), st.integers(0, 10_000)),
)


@given(order_lines, commission_rates)
def test_any_order_splits_into_shares_that_add_up_to_its_total(lines, rates):
    shares = split_order(lines, rates)
    assert sum(share.gross_pence for share in shares.values()) == order_total_pence(lines)
    assert set(shares) == {line.seller_id for line in lines}


@given(order_lines, commission_rates)
def test_any_sellers_gross_is_their_commission_plus_their_net(lines, rates):
    for share in split_order(lines, rates).values():
        assert share.gross_pence == share.commission_pence + share.net_pence
        assert 0 <= share.commission_pence <= share.gross_pence


# refund_split

SHARE = SellerShare(1, gross_pence=1000, commission_pence=100, net_pence=900)


def test_a_full_refund_reverses_the_whole_commission_and_net():
    assert refund_split(SHARE, 1000) == RefundShare(1000, 100, 900)


def test_a_part_refund_reverses_commission_in_proportion():
    assert refund_split(SHARE, 250) == RefundShare(250, 25, 225)


def test_refunds_in_parts_reverse_exactly_the_original_commission():
    share = SellerShare(1, gross_pence=3, commission_pence=1, net_pence=2)
    first = refund_split(share, 1)
    second = refund_split(share, 1, first)
    third = refund_split(share, 1, first + second)
    assert [part.commission_pence for part in (first, second, third)] == [0, 1, 0]


def test_a_refund_over_what_is_left_of_the_share_is_refused():
    so_far = refund_split(SHARE, 600)
    with pytest.raises(ValueError):
        refund_split(SHARE, 401, so_far)


@pytest.mark.parametrize("amount", [0, -5, 10.0])
def test_a_refund_that_is_not_positive_whole_pence_is_refused(amount):
    with pytest.raises(ValueError):
        refund_split(SHARE, amount)


def test_refunded_so_far_that_this_share_could_not_have_produced_is_refused():
    with pytest.raises(ValueError):
        refund_split(SHARE, 100, RefundShare(500, 0, 500))


def test_nothing_refunded_is_the_zero_of_refund_addition():
    assert NOTHING_REFUNDED + RefundShare(10, 1, 9) == RefundShare(10, 1, 9)


@st.composite
def shares_and_refund_parts(draw):
    gross = draw(st.integers(1, 10**7))
    commission = draw(st.integers(0, gross))
    share = SellerShare(1, gross, commission, gross - commission)
    cuts = draw(st.lists(st.integers(1, gross - 1), unique=True, max_size=12)) if gross > 1 else []
    bounds = [0, *sorted(cuts), gross]
    return share, [high - low for low, high in zip(bounds, bounds[1:], strict=False)]


def refund_in_parts(share, parts):
    refunded, each = NOTHING_REFUNDED, []
    for part in parts:
        each.append(refund_split(share, part, refunded))
        refunded = refunded + each[-1]
    return refunded, each


@given(shares_and_refund_parts())
def test_any_refunds_that_sum_to_the_gross_reverse_exactly_the_commission_and_net(share_and_parts):
    share, parts = share_and_parts
    refunded, _ = refund_in_parts(share, parts)
    assert (refunded.commission_pence, refunded.net_pence) == (share.commission_pence, share.net_pence)


@given(shares_and_refund_parts())
def test_no_refund_part_reverses_more_commission_than_its_own_gross(share_and_parts):
    share, parts = share_and_parts
    _, each = refund_in_parts(share, parts)
    assert all(0 <= part.commission_pence <= part.gross_pence for part in each)


@given(shares_and_refund_parts())
def test_refunds_so_far_never_reverse_more_than_the_original_commission(share_and_parts):
    share, parts = share_and_parts
    refunded, _ = refund_in_parts(share, parts[:-1])
    assert refunded.commission_pence <= share.commission_pence and refunded.net_pence <= share.net_pence


# vat_breakdown


def test_a_seller_not_registered_for_vat_shows_no_vat():
    assert vat_breakdown(1200, vat_registered=False) == (1200, 0)


def test_vat_is_a_sixth_of_a_vat_inclusive_price_at_twenty_percent():
    assert vat_breakdown(1200, vat_registered=True) == (1000, 200)


def test_half_a_penny_of_vat_rounds_up():
    assert vat_breakdown(3, vat_registered=True) == (2, 1)  # 3 / 6 = 0.5


def test_vat_can_be_worked_out_at_another_rate():
    assert vat_breakdown(1050, vat_registered=True, rate_bp=500) == (1000, 50)


@given(st.integers(0, 10**9), st.integers(0, 10_000))
def test_net_and_vat_add_up_to_the_gross_and_vat_is_within_half_a_penny(gross, rate):
    net, vat = vat_breakdown(gross, vat_registered=True, rate_bp=rate)
    assert net + vat == gross
    assert abs(vat - Fraction(gross * rate, 10_000 + rate)) <= Fraction(1, 2)


# Statement


def share(gross, commission, seller_id=1):
    return SellerShare(seller_id, gross, commission, gross - commission)


def example_statement():
    first, second = share(2000, 200), share(1000, 100)
    return Statement.build(
        1,
        sales=[Sale("order-2", on(5), second), Sale("order-1", on(3), first)],
        refunds=[SaleRefund("order-1", on(6), refund_split(first, 500))],
        payouts=[Payout("payout-1", on(7), 1500)],
        brought_forward_pence=300,
    )


def test_a_statement_totals_sales_refunds_commission_and_net_owed():
    statement = example_statement()
    totals = (statement.gross_sales_pence, statement.refunds_pence, statement.commission_pence)
    assert totals == (3000, 500, 300 - 50)
    assert statement.net_owed_pence == 3000 - 500 - 250


def test_the_balance_owed_is_what_was_brought_forward_plus_net_owed_less_payouts():
    assert example_statement().balance_owed_pence == 300 + 2250 - 1500


def test_statement_lines_are_in_date_order():
    assert [line.reference for line in example_statement().lines] == ["order-1", "order-2", "order-1", "payout-1"]


def test_a_refund_line_shows_negative_amounts():
    refund_line = example_statement().lines[2]
    assert (refund_line.gross_pence, refund_line.commission_pence, refund_line.net_pence) == (-500, -50, -450)


def test_on_one_day_sales_come_before_refunds_and_refunds_before_payouts():
    sold = share(1000, 100)
    statement = Statement.build(
        1, [Sale("o", on(1), sold)], [SaleRefund("o", on(1), refund_split(sold, 100))], [Payout("p", on(1), 10)]
    )
    assert [line.kind for line in statement.lines] == ["sale", "refund", "payout"]


def test_a_refund_after_a_payout_can_leave_the_seller_owing_the_co_op():
    sold = share(1000, 100)
    statement = Statement.build(
        1, payouts=[Payout("p", on(1), 900)], refunds=[SaleRefund("o", on(2), refund_split(sold, 1000))]
    )
    assert statement.balance_owed_pence == -1800


def test_an_empty_period_owes_what_was_brought_forward():
    assert Statement.build(1, brought_forward_pence=420).balance_owed_pence == 420


def test_another_sellers_sale_on_a_statement_is_refused():
    with pytest.raises(ValueError):
        Statement.build(1, sales=[Sale("o", on(1), share(1000, 100, seller_id=2))])


def test_a_payout_of_nothing_is_refused():
    with pytest.raises(ValueError):
        Statement.build(1, payouts=[Payout("p", on(1), 0)])


@st.composite
def periods(draw):
    shares = [share(gross, draw(st.integers(0, gross))) for gross in draw(st.lists(st.integers(1, 10**6), max_size=8))]
    sales = [Sale(f"order-{n}", on(draw(st.integers(1, 28))), sold) for n, sold in enumerate(shares)]
    refunds = []
    for sold in shares:
        amount = draw(st.integers(0, sold.gross_pence))
        if amount:
            refunds.append(SaleRefund("refund", on(draw(st.integers(1, 28))), refund_split(sold, amount)))
    payouts = [Payout("payout", on(draw(st.integers(1, 28))), p) for p in draw(st.lists(st.integers(1, 10**6)))]
    return sales, refunds, payouts, draw(st.integers(-(10**6), 10**6))


@given(periods())
def test_any_statement_adds_up_to_the_penny(period):
    sales, refunds, payouts, brought_forward = period
    s = Statement.build(1, sales, refunds, payouts, brought_forward)
    assert s.gross_sales_pence - s.refunds_pence - s.commission_pence == s.net_owed_pence
    assert s.brought_forward_pence + s.net_owed_pence - s.paid_out_pence == s.balance_owed_pence
    assert all(line.gross_pence == line.commission_pence + line.net_pence for line in s.lines)


@given(periods())
def test_any_statements_totals_are_the_sums_of_its_lines(period):
    sales, refunds, payouts, brought_forward = period
    s = Statement.build(1, sales, refunds, payouts, brought_forward)
    assert len(s.lines) == len(sales) + len(refunds) + len(payouts)
    assert s.commission_pence == sum(line.commission_pence for line in s.lines)
    assert s.paid_out_pence == sum(payout.amount_pence for payout in payouts)
    assert s.net_owed_pence == sum(sale.share.net_pence for sale in sales) - sum(r.refund.net_pence for r in refunds)
