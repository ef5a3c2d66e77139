"""Tax (bank–tax interaction): HMAC-SHA256 signed requests with app key, timestamp and nonce; XML answers."""

from __future__ import annotations

import hmac
import time
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from functools import lru_cache

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.common import ProviderConfig, ProviderError, firm_of, int_parameter, provider_app
from sandbox.credentials import Credentials
from sandbox.provider import SandboxProvider
from sandbox.signing import tax_signature
from sandbox.tax_data import GRADE_YEAR, MAX_YEARS, tax_facts
from sandbox.universe import Universe, cents_text

APP_KEY = "hub-sandbox"
APP_SECRET = "sandbox-tax-secret"  # noqa: S105 - a published sandbox default
XML_TYPE = "application/xml; charset=utf-8"
_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


def _body(root: ET.Element) -> bytes:
    ET.indent(root)
    return (_DECLARATION + ET.tostring(root, encoding="unicode") + "\n").encode()


def _xml(root: ET.Element, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return Response(_body(root), status_code=status, headers=headers, media_type=XML_TYPE)


def xml_error(status: int, code: str, message: str, headers: Mapping[str, str] | None = None) -> Response:
    root = ET.Element("Error")
    ET.SubElement(root, "Code").text = code
    ET.SubElement(root, "Message").text = message
    return _xml(root, status, headers)


def _child(parent: ET.Element, tag: str, text: str, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    element.text = text
    return element


class SignatureCheck:
    """Verifies signed requests; remembers nonces for the replay window (real clock)."""

    def __init__(self, app_key: str, secret: str, window_s: int) -> None:
        self.app_key, self.secret, self.window_s = app_key, secret, window_s
        self._nonces: dict[str, float] = {}

    def __call__(self, request: Request) -> None:
        headers = request.headers
        app_key, timestamp = headers.get("x-app-key"), headers.get("x-timestamp")
        nonce, signature = headers.get("x-nonce"), headers.get("x-signature")
        if not (app_key and timestamp and nonce and signature):
            message = "X-App-Key, X-Timestamp, X-Nonce and X-Signature are required"
            raise ProviderError(401, "missing_signature", message)
        if not hmac.compare_digest(app_key.encode(), self.app_key.encode()):
            raise ProviderError(401, "unknown_app_key", "the app key is not known")
        now = time.time()
        if not timestamp.isdigit() or abs(now - int(timestamp)) > self.window_s:
            raise ProviderError(
                401, "timestamp_out_of_window", f"the timestamp is more than {self.window_s} s off"
            )
        if not 8 <= len(nonce) <= 64:
            raise ProviderError(401, "bad_nonce", "the nonce must be 8 to 64 characters")
        query = request.query_params.multi_items()
        expected = tax_signature(self.secret, request.method, request.url.path, query, timestamp, nonce)
        if not hmac.compare_digest(signature.lower().encode(), expected.encode()):
            raise ProviderError(401, "bad_signature", "the signature does not match")
        # only signed requests are remembered, so nobody can burn someone else's nonces
        for seen, at in list(self._nonces.items()):  # oldest first: forget those out of the window
            if now - at <= 2 * self.window_s:
                break
            del self._nonces[seen]
        if nonce in self._nonces:
            raise ProviderError(401, "replayed_nonce", "the nonce was already used")
        self._nonces[nonce] = now


@lru_cache(maxsize=4096)
def _profile(universe: Universe, credit_code: str, years: int) -> bytes:
    """The profile document of a firm (rendered once: the same every time)."""
    firm = universe.by_code[credit_code]
    facts = tax_facts(universe, credit_code)
    root = ET.Element("TaxpayerProfile")
    _child(root, "CreditCode", firm.credit_code)
    _child(root, "TaxpayerName", firm.name)
    _child(root, "CreditGrade", facts.grade, year=str(GRADE_YEAR))
    _child(root, "OverdueFilings", str(facts.overdue_filings))
    annual = ET.SubElement(root, "AnnualRecords")
    for record in facts.years:
        if record.year > GRADE_YEAR - years:
            year = ET.SubElement(annual, "Year", value=str(record.year))
            _child(year, "TaxPaid", cents_text(record.tax_paid_cents))
            _child(year, "VatPaid", cents_text(record.vat_paid_cents))
            _child(year, "CitPaid", cents_text(record.cit_paid_cents))
            _child(year, "InvoicedSales", cents_text(record.invoiced_sales_cents))
    monthly = ET.SubElement(root, "MonthlyInvoices")
    for invoiced in facts.months:
        month = ET.SubElement(monthly, "Month", value=f"{invoiced.month:%Y-%m}")
        _child(month, "InvoicedSales", cents_text(invoiced.invoiced_sales_cents))
        _child(month, "InvoiceCount", str(invoiced.invoice_count))
    payments = ET.SubElement(root, "Payments")
    for payment in facts.payments:
        paid = ET.SubElement(payments, "Payment", date=payment.paid_on.isoformat(), type=payment.tax_type)
        _child(paid, "Amount", cents_text(payment.amount_cents))
    violations = ET.SubElement(root, "Violations")
    for violation in facts.violations:
        decided = ET.SubElement(
            violations, "Violation", caseNo=violation.case_no, date=violation.decided_on.isoformat()
        )
        _child(decided, "Kind", violation.kind)
        _child(decided, "Penalty", cents_text(violation.penalty_cents))
    return _body(root)


def create_app(universe: Universe, config: ProviderConfig) -> Starlette:
    check = SignatureCheck(config.credentials.key, config.credentials.secret, config.signature_window_s)

    async def profile(request: Request) -> Response:
        check(request)
        firm = firm_of(universe, request.path_params["creditCode"])
        years = int_parameter(request, "years", 3, 1, MAX_YEARS)
        return Response(_profile(universe, firm.credit_code, years), media_type=XML_TYPE)

    routes = [Route("/api/tax/v1/taxpayers/{creditCode}/profile", profile)]
    return provider_app(
        universe,
        config,
        routes,
        render_error=xml_error,
        credential_of=lambda request: request.headers.get("x-app-key", "anonymous"),
    )


provider = SandboxProvider(
    name="tax",
    port_offset=3,
    create_app=create_app,
    credentials=Credentials(APP_KEY, APP_SECRET),
    description="tax bureau: credit grade, yearly and monthly figures; HMAC-signed requests, XML",
)
