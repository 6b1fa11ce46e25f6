"""The brokering service's own settings: read from the same COOP_* variables as before they moved."""

import dataclasses

from services.brokering.app import SERVICE_SETTINGS
from services.brokering.settings import BrokeringSettings
from shared.settings import read_settings, variables_of


def test_each_setting_is_read_from_its_variable():
    read = read_settings(BrokeringSettings, {"COOP_DISCLOSURE_KEEP_DAYS": "30",
                                             "COOP_MINIMUM_WAGE_21_PLUS_PENCE": "1400"})
    assert (read.disclosure_keep_days, read.minimum_wage_21_plus_pence) == (30, 1400)
    assert read.minimum_wage_18_to_20_pence == BrokeringSettings().minimum_wage_18_to_20_pence


def test_the_defaults_stand_without_variables():
    assert read_settings(BrokeringSettings, {}) == BrokeringSettings()
    assert BrokeringSettings().disclosure_keep_days == 183


def test_the_app_declares_them_and_their_variables_are_the_service_s():
    assert SERVICE_SETTINGS is BrokeringSettings
    assert variables_of(BrokeringSettings) == sorted(
        f"COOP_{field.name.upper()}" for field in dataclasses.fields(BrokeringSettings))
