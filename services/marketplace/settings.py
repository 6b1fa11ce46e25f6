"""The marketplace's own settings: its commission, how long a buyer has to pay, and its limits."""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.settings import rates, setting


@dataclass(frozen=True)
class MarketplaceSettings:
    """What the marketplace's use cases are told, read from COOP_* variables (``read_settings``)."""

    commission_rate_percent: int = setting(10, "COOP_COMMISSION_RATE_PERCENT")
    # Per-category rates, e.g. "catering=5,cards=12" (percent); other categories use the default.
    commission_by_category: dict[str, int] = field(
        default_factory=dict, metadata={"variable": "COOP_COMMISSION_BY_CATEGORY", "read": rates})
    order_pay_minutes: int = setting(30, "COOP_ORDER_PAY_MINUTES")
    # A payment or refund still pending after this long was cut off (longer than any request lives): the
    # marketplace worker asks the provider what became of it and records that.
    payment_attempt_timeout_seconds: int = setting(120, "COOP_PAYMENT_ATTEMPT_TIMEOUT_SECONDS")
    # The most pixels an uploaded listing image may decode to (a small file can hold a huge image).
    max_image_pixels: int = setting(25_000_000, "COOP_MAX_IMAGE_PIXELS")
