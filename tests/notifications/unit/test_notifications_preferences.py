"""What each kind may be set to: nothing for an essential kind, the digest only for a chatty one."""

import pytest

from services.notifications import preferences


@pytest.mark.parametrize("kind", preferences.ESSENTIAL)
def test_an_essential_kind_has_no_choice(kind):
    assert preferences.choices_for(kind) == ()


@pytest.mark.parametrize("kind", preferences.CHATTY)
def test_a_chatty_kind_may_wait_for_the_digest(kind):
    assert preferences.choices_for(kind) == ("email", "site", "digest")


def test_any_other_kind_is_emailed_or_on_the_site_only():
    assert preferences.choices_for("member_admitted") == ("email", "site")


def test_every_essential_and_chatty_kind_is_a_kind_with_a_label():
    assert set(preferences.ESSENTIAL) | set(preferences.CHATTY) <= set(preferences.LABELS)
    assert not set(preferences.ESSENTIAL) & set(preferences.CHATTY)
