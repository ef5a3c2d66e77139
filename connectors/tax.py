"""Tax (tax bureau, bank–tax interaction): credit grade, yearly tax paid and invoiced sales, monthly
invoices. HMAC-signed headers; one XML document per firm (3 years, 24 months of invoices), parsed with
defusedxml so entity expansion and external references are refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from connectors.base import Connector, Endpoint
from connectors.payload import build, parse_decimal, parse_month
from connectors.records import InvoicedMonth, TaxRecord, TaxYear
from connectors.source import SandboxDefaults, Source
from connectors.upstream import Upstream
from foundation.errors import UpstreamPayloadError

SOURCE = "tax"
YEARS = 3
GRADES = frozenset({"A", "B", "M", "C", "D"})


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
    years = []
    for element in _child(root, "AnnualRecords", where).findall("Year"):
        at = f"{where}/AnnualRecords/Year"
        year = _attribute(element, "value", at)
        at = f"{at}[@value={year}]"
        years.append(
            build(
                SOURCE,
                at,
                TaxYear,
                year=_integer(year, f"{at}/@value"),
                tax_paid_yuan=parse_decimal(SOURCE, f"{at}/TaxPaid", _text(element, "TaxPaid", at)),
                invoiced_sales_yuan=parse_decimal(
                    SOURCE, f"{at}/InvoicedSales", _text(element, "InvoicedSales", at)
                ),
            )
        )
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
    "sales, overdue filings",
    consent="tax",
    sandbox=SandboxDefaults(
        port_offset=3, credentials={"app_key": "hub-sandbox", "app_secret": "sandbox-tax-secret"}
    ),
    schema="schema.tax.field",
)
connector = source.connector
