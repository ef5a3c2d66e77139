"""Tax over real HTTP: HMAC signatures, replay window, nonces, XML answers and errors."""

from __future__ import annotations

import re
import time

import httpx
from defusedxml import ElementTree

from sandbox.control import SandboxControl
from tests.sandbox.clients import tax_get, tax_headers


def _path(code: str) -> str:
    return f"/api/tax/v1/taxpayers/{code}/profile"


def _error(response: httpx.Response) -> tuple[int, str]:
    assert response.headers["content-type"] == "application/xml; charset=utf-8"
    return response.status_code, ElementTree.fromstring(response.content).findtext("Code") or ""


def test_signed_request_gets_the_profile(sandbox: SandboxControl) -> None:
    code = sandbox.credit_codes(limit=1)[0]
    response = tax_get(sandbox.urls["tax"], _path(code), {"years": "3"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/xml; charset=utf-8"
    assert response.text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ElementTree.fromstring(response.content)
    assert root.tag == "TaxpayerProfile"
    assert root.findtext("CreditCode") == code
    grade = root.find("CreditGrade")
    assert grade is not None and grade.text in set("ABMCD") and grade.get("year") == "2025"
    assert int(root.findtext("OverdueFilings") or "-1") >= 0
    years = [year.get("value", "") for year in root.iterfind("AnnualRecords/Year")]
    assert 1 <= len(years) <= 3 and years == sorted(years) and years[-1] == "2025"
    months = root.findall("MonthlyInvoices/Month")
    assert len(months) == 24
    assert (months[0].get("value"), months[-1].get("value")) == ("2024-11", "2026-10")
    assert all(re.fullmatch(r"\d+\.\d\d", month.findtext("InvoicedSales") or "") for month in months)


def test_grades_spread_over_the_universe(sandbox: SandboxControl) -> None:
    grades = set()
    for code in sandbox.credit_codes(limit=80):
        root = ElementTree.fromstring(tax_get(sandbox.urls["tax"], _path(code)).content)
        grades.add(root.findtext("CreditGrade"))
    assert {"A", "B", "C", "D"} <= grades


def test_signature_failures(sandbox: SandboxControl) -> None:
    base, code = sandbox.urls["tax"], sandbox.credit_codes(limit=1)[0]
    path = _path(code)
    assert _error(tax_get(base, path, secret="wrong")) == (401, "bad_signature")
    assert _error(tax_get(base, path, app_key="someone")) == (401, "unknown_app_key")
    stale = int(time.time()) - 301
    assert _error(tax_get(base, path, timestamp=stale)) == (401, "timestamp_out_of_window")
    assert _error(tax_get(base, path, nonce="short")) == (401, "bad_nonce")
    assert _error(httpx.get(f"{base}{path}")) == (401, "missing_signature")
    # the signature covers the query: signing years=3 and sending years=5 fails
    headers = tax_headers(path, {"years": "3"})
    assert _error(httpx.get(f"{base}{path}", params={"years": "5"}, headers=headers)) == (
        401,
        "bad_signature",
    )


def test_a_nonce_is_accepted_once(sandbox: SandboxControl) -> None:
    base, code = sandbox.urls["tax"], sandbox.credit_codes(limit=1)[0]
    headers = tax_headers(_path(code), nonce=f"nonce-{time.time_ns()}")
    assert httpx.get(f"{base}{_path(code)}", headers=headers).status_code == 200
    assert _error(httpx.get(f"{base}{_path(code)}", headers=headers)) == (401, "replayed_nonce")


def test_bad_parameters_and_codes(sandbox: SandboxControl) -> None:
    base, code = sandbox.urls["tax"], sandbox.credit_codes(limit=1)[0]
    assert _error(tax_get(base, _path(code), {"years": "6"})) == (400, "bad_years")
    assert _error(tax_get(base, _path(code), {"years": "x"})) == (400, "bad_years")
    assert _error(tax_get(base, _path("91330100BADCODE000"))) == (400, "bad_credit_code")
