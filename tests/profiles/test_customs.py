"""The customs profile from hand-made records: receipts against exports, the low-receipt run and its flag,
growth, and where the exports go."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from connectors.customs import CustomsRecord, ExportDeclaration, FxReceipt
from foundation.months import shift_months
from hub.profiles.customs import customs_indicators, customs_profile

END = date(2026, 10, 31)
MONTHS = [shift_months(date(2026, 10, 1), -offset) for offset in range(23, -1, -1)]


def export(
    month: date, usd: str, country: str = "US", hs: str = "6109100021", mode: str = "0110"
) -> ExportDeclaration:
    return ExportDeclaration(
        declaration_no=f"3104{month:%Y%m}0{country}{hs[:4]}",
        declared_on=month.replace(day=10),
        trade_mode=mode,
        hs_code=hs,
        goods_name="T恤衫",
        destination_country=country,
        port_of_exit="宁波舟山港",
        fob_usd=Decimal(usd),
        exchange_rate=Decimal("7.1000"),
        fob_cny=(Decimal(usd) * Decimal("7.1000")).quantize(Decimal("0.01")),
        quantity=Decimal(100),
        unit="件",
    )


def receipt(month: date, usd: str) -> FxReceipt:
    return FxReceipt(
        month=month,
        received_usd=Decimal(usd),
        exchange_rate=Decimal("7.1000"),
        received_cny=(Decimal(usd) * Decimal("7.1000")).quantize(Decimal("0.01")),
    )


def record(exports: list[ExportDeclaration], receipts: list[FxReceipt]) -> CustomsRecord:
    return CustomsRecord(
        credit_code="9133040285WK93385D",
        declarations=tuple(exports),
        receipts=tuple(receipts),
        history_end=END,
    )


def test_an_exporter_paid_for_what_it_ships_raises_no_flag() -> None:
    paid = record(
        [export(month, "1000.00") for month in MONTHS], [receipt(month, "1000.00") for month in MONTHS]
    )
    profile = customs_profile(paid, 12)
    assert (profile.fob_usd, profile.received_usd, profile.fx_receipt_ratio) == (
        Decimal("12000.00"),
        Decimal("12000.00"),
        1.0,
    )
    assert profile.low_receipt_months == 0 and len(profile.months) == 12
    assert customs_indicators(profile).flags == ()


def test_receipts_staying_far_below_exports_raise_the_flag() -> None:
    short = [receipt(month, "1000.00" if index < 16 else "300.00") for index, month in enumerate(MONTHS)]
    profile = customs_profile(record([export(month, "1000.00") for month in MONTHS], short), 12)
    # The last 8 months are paid 30%: the three-month ratio is low from the second of them on.
    assert profile.low_receipt_months == 7
    assert profile.months[-1].receipt_ratio == 0.3
    contribution = customs_indicators(profile)
    assert contribution.flags == ("LOW_FX_RECEIPT_RATIO",)
    assert contribution.figures["low_fx_receipt_months"] == 7


def test_growth_destinations_chapters_and_cross_border_share() -> None:
    exports = [export(month, "1000.00") for month in MONTHS[:12]]
    exports += [export(month, "1500.00", "DE", "8471300000", "9610") for month in MONTHS[12:]]
    exports += [export(month, "500.00", "US") for month in MONTHS[12:]]
    profile = customs_profile(record(exports, []), 12)
    assert profile.export_yoy_growth == 1.0  # 24,000 against 12,000
    assert [(share.key, share.share) for share in profile.top_destinations] == [("DE", 0.75), ("US", 0.25)]
    assert [share.key for share in profile.top_hs_chapters] == ["84", "61"]
    assert profile.cross_border_ecommerce_share == 0.75
    assert profile.fx_receipt_ratio == 0.0


def test_no_history_is_an_empty_profile() -> None:
    empty = CustomsRecord(credit_code="9133040285WK93385D", declarations=(), receipts=())
    profile = customs_profile(empty, 12)
    assert profile.as_of_month is None and profile.fx_receipt_ratio is None
    assert customs_indicators(profile).flags == ()
