"""Tax (tax bureau, bank–tax interaction): credit grade, yearly tax paid (with its VAT and CIT) and
invoiced sales, monthly invoices, tax payments and violations. HMAC-signed headers; one XML document per
firm (3 years, 24 months of invoices and payments, 36 months of violations), parsed with defusedxml so
entity expansion and external references are refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import ClassVar
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from connectors.base import Connector, Endpoint
from connectors.payload import build, parse_day, parse_decimal, parse_month
from connectors.records import InvoicedMonth, TaxPayment, TaxRecord, TaxViolation, TaxYear
from connectors.source import SandboxDefaults, Source
from connectors.upstream import Upstream
from foundation.errors import UpstreamPayloadError

SOURCE = "tax"
YEARS = 3
GRADES = frozenset({"A", "B", "M", "C", "D"})
TAX_TYPES = frozenset({"vat", "cit", "other"})


def _child(parent: Element, tag: str, where: str) -> Element:
    element = parent.find(tag)
    if element is None:
        raise UpstreamPayloadError(SOURCE, f"{where}/{tag}", "missing")
    return element


def _text(parent: Element, tag: str, where: str) -> str:
    text = (_child(parent, tag, where).text or "").strip()
    if not text:
        raise UpstreamPayloadError(SOURCE, f"{where}/{tag}", "empty")
    return text


def _integer(text: str, where: str) -> int:
    if not text.isdigit():
        raise UpstreamPayloadError(SOURCE, where, f"{text!r} is not a non-negative integer")
    return int(text)


def _attribute(element: Element, name: str, where: str) -> str:
    value = element.get(name)
    if not value:
        raise UpstreamPayloadError(SOURCE, f"{where}/@{name}", "missing")
    return value


def _money(parent: Element, tag: str, where: str) -> Decimal:
    return parse_decimal(SOURCE, f"{where}/{tag}", _text(parent, tag, where))


def _year(element: Element, where: str) -> TaxYear:
    year = _attribute(element, "value", where)
    at = f"{where}[@value={year}]"
    return build(
        SOURCE,
        at,
        TaxYear,
        year=_integer(year, f"{at}/@value"),
        tax_paid_yuan=_money(element, "TaxPaid", at),
        vat_paid_yuan=_money(element, "VatPaid", at),
        cit_paid_yuan=_money(element, "CitPaid", at),
        invoiced_sales_yuan=_money(element, "InvoicedSales", at),
    )


def _payment(element: Element, index: int) -> TaxPayment:
    at = f"TaxpayerProfile/Payments/Payment[{index}]"
    tax_type = _attribute(element, "type", at)
    if tax_type not in TAX_TYPES:
        raise UpstreamPayloadError(SOURCE, f"{at}/@type", f"{tax_type!r} is not one of {sorted(TAX_TYPES)}")
    return build(
        SOURCE,
        at,
        TaxPayment,
        paid_on=parse_day(SOURCE, f"{at}/@date", _attribute(element, "date", at)),
        tax_type=tax_type,
        amount_yuan=_money(element, "Amount", at),
    )


def _violation(element: Element, index: int) -> TaxViolation:
    at = f"TaxpayerProfile/Violations/Violation[{index}]"
    return build(
        SOURCE,
        at,
        TaxViolation,
        case_no=_attribute(element, "caseNo", at),
        decided_on=parse_day(SOURCE, f"{at}/@date", _attribute(element, "date", at)),
        kind=_text(element, "Kind", at),
        penalty_yuan=_money(element, "Penalty", at),
    )


def map_tax(document: str | bytes) -> TaxRecord:
    """The ``TaxpayerProfile`` XML → :class:`TaxRecord` (years and months ascending, money in yuan)."""
    try:
        root = fromstring(document)
    except (ParseError, DefusedXmlException) as error:
        raise UpstreamPayloadError(SOURCE, "body", f"not acceptable XML ({type(error).__name__})") from None
    if root.tag != "TaxpayerProfile":
        raise UpstreamPayloadError(SOURCE, "body", f"expected <TaxpayerProfile>, got <{root.tag}>")
    where = "TaxpayerProfile"
    grade_element = _child(root, "CreditGrade", where)
    grade = (grade_element.text or "").strip()
    if grade not in GRADES:
        raise UpstreamPayloadError(
            SOURCE, f"{where}/CreditGrade", f"{grade!r} is not one of {sorted(GRADES)}"
        )
    years = [
        _year(element, f"{where}/AnnualRecords/Year") for element in _child(root, "AnnualRecords", where)
    ]
    payments = [
        _payment(element, index)
        for index, element in enumerate(_child(root, "Payments", where).findall("Payment"))
    ]
    violations = [
        _violation(element, index) for index, element in enumerate(_child(root, "Violations", where))
    ]
    months = []
    for element in _child(root, "MonthlyInvoices", where).findall("Month"):
        at = f"{where}/MonthlyInvoices/Month"
        month = _attribute(element, "value", at)
        at = f"{at}[@value={month}]"
        months.append(
            build(
                SOURCE,
                at,
                InvoicedMonth,
                month=parse_month(SOURCE, f"{at}/@value", month),
                invoiced_sales_yuan=parse_decimal(
                    SOURCE, f"{at}/InvoicedSales", _text(element, "InvoicedSales", at)
                ),
                invoice_count=_integer(_text(element, "InvoiceCount", at), f"{at}/InvoiceCount"),
            )
        )
    return build(
        SOURCE,
        "",
        TaxRecord,
        credit_code=_text(root, "CreditCode", where),
        taxpayer_name=_text(root, "TaxpayerName", where),
        grade=grade,
        grade_year=_integer(
            _attribute(grade_element, "year", f"{where}/CreditGrade"), f"{where}/CreditGrade/@year"
        ),
        overdue_filings=_integer(_text(root, "OverdueFilings", where), f"{where}/OverdueFilings"),
        years=tuple(sorted(years, key=lambda year: year.year)),
        months=tuple(sorted(months, key=lambda month: month.month)),
        payments=tuple(sorted(payments, key=lambda payment: payment.paid_on)),
        violations=tuple(sorted(violations, key=lambda violation: violation.decided_on)),
    )


class TaxConnector(Connector[TaxRecord]):
    name = "tax"
    auth_style = "hmac_signed_headers"
    endpoints: ClassVar[Mapping[str, Endpoint]] = {
        "profile": Endpoint(
            "/api/tax/v1/taxpayers/{credit_code}/profile", params={"years": str(YEARS)}, format="xml"
        )
    }
    record_type = TaxRecord

    async def fetch(self, upstream: Upstream, credit_code: str) -> TaxRecord:
        record = map_tax(await upstream.document(self.endpoints["profile"], credit_code=credit_code))
        if record.credit_code != credit_code:
            raise UpstreamPayloadError(
                SOURCE, "TaxpayerProfile/CreditCode", "answer is about another enterprise"
            )
        return record


source = Source(
    connector=TaxConnector(),
    description="Tax bureau (bank-tax interaction): credit grade, yearly tax paid, monthly invoiced "
    "sales, overdue filings, tax payments, violations",
    consent="tax",
    sandbox=SandboxDefaults(
        port_offset=3, credentials={"app_key": "hub-sandbox", "app_secret": "sandbox-tax-secret"}
    ),
    schema="schema.tax.field",
)
connector = source.connector
