"""Registry over real HTTP: API key, credit-code checks, a realistic registration record."""

from __future__ import annotations

import random
import re
from datetime import date

import httpx

from foundation.credit_code import check_character
from sandbox.control import SandboxControl
from sandbox.registry_data import resident_id_number
from tests.sandbox.clients import REGISTRY_HEADERS

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _get(sandbox: SandboxControl, code: str, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.get(f"{sandbox.urls['registry']}/v1/enterprises/{code}", headers=headers)


def test_accepts_the_key(sandbox: SandboxControl) -> None:
    code = sandbox.credit_codes(limit=1)[0]
    response = _get(sandbox, code, REGISTRY_HEADERS)
    assert response.status_code == 200
    body = response.json()
    assert body["creditCode"] == code
    assert body["name"].endswith("公司")
    assert re.fullmatch(r"\d+\.\d\d", body["registeredCapital"])
    assert body["legalForm"] in {
        "limited_liability_company",
        "joint_stock_company",
        "sole_proprietorship",
        "partnership",
        "individual_business",
    }
    assert body["status"] in {"active", "revoked", "deregistered"}
    assert body["address"].startswith("浙江省")


def test_legal_representative_looks_real(sandbox: SandboxControl) -> None:
    for code in sandbox.credit_codes(limit=20):
        representative = _get(sandbox, code, REGISTRY_HEADERS).json()["legalRepresentative"]
        id_number, phone = representative["idNumber"], representative["phone"]
        assert re.fullmatch(r"33\d{15}[\dX]", id_number)
        total = sum(int(digit) * weight for digit, weight in zip(id_number[:17], _ID_WEIGHTS, strict=True))
        assert "10X98765432"[total % 11] == id_number[17]
        assert re.fullmatch(r"1[3-9]\d{9}", phone)


def test_resident_id_check_character_of_a_published_example() -> None:
    # GB 11643's worked example 11010519491231002X: the check character of 11010519491231002 is X
    class Fixed(random.Random):
        def randint(self, low: int, high: int) -> int:
            return 2

    assert resident_id_number("110105", date(1949, 12, 31), Fixed()) == "11010519491231002X"


def test_missing_and_wrong_keys(sandbox: SandboxControl) -> None:
    code = sandbox.credit_codes(limit=1)[0]
    missing = _get(sandbox, code)
    assert missing.status_code == 401
    assert missing.json()["error"] == "missing_api_key"
    wrong = _get(sandbox, code, {"X-API-Key": "nope"})
    assert wrong.status_code == 403
    assert wrong.json()["error"] == "invalid_api_key"


def test_malformed_and_unknown_codes(sandbox: SandboxControl) -> None:
    code = sandbox.credit_codes(limit=1)[0]
    broken = code[:-1] + ("0" if code[-1] != "0" else "1")
    assert _get(sandbox, broken, REGISTRY_HEADERS).json()["error"] == "bad_credit_code"
    assert _get(sandbox, "123", REGISTRY_HEADERS).status_code == 400
    unknown = "91110000100000000" + check_character("91110000100000000")  # valid, Beijing: not ours
    response = _get(sandbox, unknown, REGISTRY_HEADERS)
    assert (response.status_code, response.json()["error"]) == (404, "not_found")


def test_unknown_path_and_method_answer_json(sandbox: SandboxControl) -> None:
    base = sandbox.urls["registry"]
    assert httpx.get(f"{base}/v2/nothing").json()["error"] == "not_found"
    response = httpx.delete(f"{base}/v1/enterprises/x", headers=REGISTRY_HEADERS)
    assert (response.status_code, response.json()["error"]) == (405, "method_not_allowed")
