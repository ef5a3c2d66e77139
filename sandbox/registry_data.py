"""Registration data of a firm (market regulation): legal form, capital, founding, address, representative."""

from __future__ import annotations

import random
from datetime import date, timedelta
from functools import lru_cache

from sandbox.universe import Firm, Universe, cents_text

Payload = dict[str, object]

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋"
    "余于杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛"
)
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文斌海波宁浩宇鹏飞俊峰晨阳雪梅林"
ROADS = (
    "人民路", "解放路", "建设路", "中山路", "环城北路", "工业大道", "科技路", "创业路", "滨江大道", "兴业路",
    "新华路", "长兴路", "开发区大道", "东方路", "文化路", "经济开发区纬二路", "园区路", "望江路",
)  # fmt: skip
_MOBILE_PREFIXES = ("133", "135", "136", "137", "138", "139", "150", "151", "153", "158", "159", "177",
                    "180", "182", "187", "188", "189", "199")  # fmt: skip
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECKS = "10X98765432"


def resident_id_number(division: str, birth: date, rng: random.Random) -> str:
    """An 18-digit resident ID number (GB 11643) with a correct ISO 7064 MOD 11-2 check character."""
    first17 = f"{division}{birth:%Y%m%d}{rng.randint(0, 999):03d}"
    return first17 + _ID_CHECKS[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def _legal_form(rng: random.Random, firm: Firm) -> str:
    if firm.is_core:
        return "joint_stock_company"
    roll = rng.random()
    if roll < 0.82:
        return "limited_liability_company"
    return "sole_proprietorship" if roll < 0.9 else "partnership" if roll < 0.95 else "individual_business"


def _status(rng: random.Random, firm: Firm) -> str:
    if firm.health != "bad":
        return "active"
    roll = rng.random()
    return "revoked" if roll < 0.04 else "deregistered" if roll < 0.06 else "active"


@lru_cache(maxsize=4096)
def registration(universe: Universe, credit_code: str) -> Payload:
    """The registry's answer for a firm of ``universe`` (the caller checked that it exists)."""
    firm = universe.by_code[credit_code]
    rng = universe.rng(credit_code, "registry")
    # core enterprises are old hands; the youngest firms still have two full years of history
    oldest, span_years = (date(1993, 1, 1), 18) if firm.is_core else (date(2000, 1, 1), 22)
    founded = oldest + timedelta(days=rng.randint(0, 365 * span_years))
    capital_units = rng.choice((10, 30, 50, 100, 200, 300, 500, 1000, 2000))  # in 10,000 yuan
    if firm.is_core:
        capital_units *= 20
    birth = date(1960, 1, 1) + timedelta(days=rng.randint(0, 365 * 36))
    representative = {
        "name": rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.randint(1, 2))),
        "idNumber": resident_id_number(firm.division, birth, rng),
        "phone": rng.choice(_MOBILE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}",
    }
    return {
        "creditCode": firm.credit_code,
        "name": firm.name,
        "legalForm": _legal_form(rng, firm),
        "registeredCapital": cents_text(capital_units * 10_000 * 100),
        "currency": "CNY",
        "foundedOn": founded.isoformat(),
        "industry": firm.industry.key,
        "industryCode": firm.industry.code,
        "address": f"浙江省{firm.city}{firm.county}{rng.choice(ROADS)}{rng.randint(1, 2000)}号",
        "status": _status(rng, firm),
        "legalRepresentative": representative,
        "isCore": firm.is_core,
    }
