"""The contracts service's own settings, read from the same COOP_* variables as before."""

from services.contracts.settings import ContractsSettings
from shared.settings import read_settings, variables_of


def test_the_contracts_settings_have_their_defaults_without_variables():
    assert read_settings(ContractsSettings, {}) == ContractsSettings(
        contract_approval_threshold_pence=500_000, contract_fee_percent=10, coop_vat_registered=False,
        offer_lapsing_warning_hours=48)


def test_each_contracts_setting_is_read_from_its_variable():
    settings = read_settings(ContractsSettings, {"COOP_CONTRACT_APPROVAL_THRESHOLD_PENCE": "100",
                                                 "COOP_CONTRACT_FEE_PERCENT": "7", "COOP_VAT_REGISTERED": "yes"})
    assert (settings.contract_approval_threshold_pence, settings.contract_fee_percent, settings.fee_bp,
            settings.coop_vat_registered) == (100, 7, 700, True)
    assert read_settings(ContractsSettings, {"COOP_VAT_REGISTERED": "false"}).coop_vat_registered is False
    assert variables_of(ContractsSettings) == ["COOP_CONTRACT_APPROVAL_THRESHOLD_PENCE", "COOP_CONTRACT_FEE_PERCENT",
                                               "COOP_OFFER_LAPSING_WARNING_HOURS", "COOP_VAT_REGISTERED"]


def test_the_offer_lapsing_warning_is_read_from_its_variable():
    settings = read_settings(ContractsSettings, {"COOP_OFFER_LAPSING_WARNING_HOURS": "24"})
    assert settings.offer_lapsing_warning_hours == 24

