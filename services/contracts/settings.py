"""The contracts service's own settings: when the members must approve a contract, the co-op's fee, VAT."""

from __future__ import annotations

from dataclasses import dataclass

from shared.settings import flag, setting


@dataclass(frozen=True)
class ContractsSettings:
    # Contracts worth more than this (in pence) need the members' vote before they are signed.
    contract_approval_threshold_pence: int = setting(500_000, "COOP_CONTRACT_APPROVAL_THRESHOLD_PENCE")
    # The co-op's fee on the work members do under contract, taken from each member's share.
    contract_fee_percent: int = setting(10, "COOP_CONTRACT_FEE_PERCENT")
    # Whether the co-op itself is VAT-registered: its invoices to buyers then add VAT.
    coop_vat_registered: bool = setting(False, "COOP_VAT_REGISTERED", flag)
    # How long before an offer lapses the co-op is warned of it (contract.offer_lapsing), in hours.
    offer_lapsing_warning_hours: int = setting(48, "COOP_OFFER_LAPSING_WARNING_HOURS")

    @property
    def fee_bp(self) -> int:
        """The fee in basis points (hundredths of a percent), as the billing rules take it."""
        return self.contract_fee_percent * 100
