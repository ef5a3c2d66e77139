"""Registration data of a firm (market regulation): legal form, capital, founding, address, representative,
shareholders and senior managers.

The people of a firm are drawn from an RNG of their own, after the older fields, so those stay as they were.
The legal representative is usually a shareholder and a manager too, with the same ID number (what
related-party checks match on); an enterprise shareholder is another firm of the universe. A planted related
party (:mod:`sandbox.anomalies`) shares a person, its address or its phone with the firm it trades with.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

from sandbox.anomalies import Shared
from sandbox.fixtures import Fixture
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
    """The firm's legal form (the universe decides it); takes the draw this module once made for it, so
    what is drawn after it stays as it was."""
    if not firm.is_core:
        rng.random()
    return firm.legal_form


def _status(rng: random.Random, firm: Firm, fixture: Fixture | None) -> str:
    if firm.health != "bad":
        return "active"
    roll = rng.random()
    if fixture is not None:
        return "active"
    return "revoked" if roll < 0.04 else "deregistered" if roll < 0.06 else "active"


def person_name(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.randint(1, 2)))


def _person(rng: random.Random, division: str) -> Payload:
    birth = date(1958, 1, 1) + timedelta(days=rng.randint(0, 365 * 40))
    return {"name": person_name(rng), "idNumber": resident_id_number(division, birth, rng)}


def _ratios(rng: random.Random, count: int, first_share: float) -> list[str]:
    """``count`` share ratios with four places summing to exactly 1, the first about ``first_share``."""
    if count == 1:
        return ["1.0000"]
    weights = [first_share] + [rng.uniform(0.3, 1.0) * (1 - first_share) for _ in range(count - 1)]
    scale = sum(weights[1:]) / (1 - first_share)
    parts = [round(weights[0] * 10_000)] + [max(1, round(weight / scale * 10_000)) for weight in weights[1:]]
    parts[0] += 10_000 - sum(parts)
    return [f"{part // 10_000}.{part % 10_000:04d}" for part in parts]


@lru_cache(maxsize=4)
def _cores(universe: Universe) -> tuple[Firm, ...]:
    return tuple(firm for firm in universe.firms if firm.is_core)


def _drawn_owners(universe: Universe, firm: Firm) -> tuple[random.Random, list[Payload | None], Firm | None]:
    """The owners' RNG after the draws of the people (None: the representative) and of the core enterprise
    that owns part of the firm, if one does (before conflicts are settled, :func:`_owners`)."""
    rng = universe.rng(firm.credit_code, "registry-owners")
    form = firm.legal_form
    people: list[Payload | None]
    if form in ("sole_proprietorship", "individual_business"):
        people = [None]
    elif form == "farmers_cooperative":
        people = [None, *(_person(rng, firm.division) for _ in range(rng.randint(4, 9)))]
    else:
        count = (
            rng.randint(3, 6)
            if firm.is_core
            else rng.randint(2, 4)
            if form == "partnership"
            else rng.randint(1, 3)
        )
        people = [_person(rng, firm.division) for _ in range(count)]
        if rng.random() < 0.9:  # the representative holds shares
            people[0] = None
    owner = None
    if form in ("limited_liability_company", "joint_stock_company") and rng.random() < (
        0.5 if firm.is_core else 0.15
    ):  # a subsidiary of a core enterprise
        owner = rng.choice(_cores(universe))
    return rng, people, owner if owner is not None and owner.index != firm.index else None


@lru_cache(maxsize=8192)
def _drawn_parent(universe: Universe, credit_code: str) -> str | None:
    owner = _drawn_owners(universe, universe.by_code[credit_code])[2]
    return owner.credit_code if owner is not None else None


def _trades_with_family(universe: Universe, firm: Firm, owner: Firm) -> bool:
    """Whether the firm trades with ``owner`` or with another firm ``owner`` owns: honest firms do not (the
    related-party check would see them)."""
    for relation in universe.relations_of.get(firm.credit_code, ()):
        other = relation.buyer if relation.seller is firm else relation.seller
        if other is owner or _drawn_parent(universe, other.credit_code) == owner.credit_code:
            return True
    return False


def _owners(universe: Universe, firm: Firm, representative: Payload) -> tuple[list[Payload], list[Payload]]:
    """Shareholders and senior managers: the representative among them as a rule."""
    rng, drawn, owner = _drawn_owners(universe, firm)
    people = [representative if person is None else person for person in drawn]
    holders: list[Payload] = []
    enterprises = [owner] if owner is not None and not _trades_with_family(universe, firm, owner) else []
    ratios = _ratios(rng, len(people) + len(enterprises), rng.uniform(0.35, 0.8))
    for person, ratio in zip(people, ratios, strict=False):
        holders.append(
            {"kind": "person", "name": person["name"], "idNumber": person["idNumber"], "shareRatio": ratio}
        )
    for enterprise, ratio in zip(enterprises, ratios[len(people) :], strict=True):
        holders.append(
            {
                "kind": "enterprise",
                "name": enterprise.name,
                "creditCode": enterprise.credit_code,
                "shareRatio": ratio,
            }
        )
    return holders, _managers(rng, firm, representative, people)


def _managers(
    rng: random.Random, firm: Firm, representative: Payload, people: list[Payload]
) -> list[Payload]:
    def manager(person: Payload, role: str) -> Payload:
        return {"name": person["name"], "role": role, "idNumber": person["idNumber"]}

    others = [person for person in people if person is not representative]
    form = firm.legal_form
    if form in ("sole_proprietorship", "individual_business", "partnership"):
        return [manager(representative, "general_manager")]
    if form == "farmers_cooperative":
        supervisor = others[0] if others else _person(rng, firm.division)
        return [manager(representative, "chairman"), manager(supervisor, "supervisor")]
    if rng.random() < 0.05:  # a representative who is no manager: a nominee
        representative = _person(rng, firm.division)
    if firm.is_core:
        directors = [*others[:3]] + [_person(rng, firm.division) for _ in range(max(0, 2 - len(others)))]
        result = [manager(representative, "chairman"), *(manager(person, "director") for person in directors)]
        result.append(manager(_person(rng, firm.division), "general_manager"))
        result.append(manager(_person(rng, firm.division), "cfo"))
    else:
        result = [manager(representative, "director"), manager(representative, "general_manager")]
        if rng.random() < 0.4:
            result.append(manager(_person(rng, firm.division), "cfo"))
    # a supervisor may be no director or manager (Company Law): someone else
    result.append(manager(_person(rng, firm.division), "supervisor"))
    return result


@lru_cache(maxsize=4096)
def registration(universe: Universe, credit_code: str) -> Payload:
    """The registry's answer for a firm of ``universe`` (the caller checked that it exists)."""
    firm = universe.by_code[credit_code]
    fixture = universe.fixture_of(credit_code)
    rng = universe.rng(credit_code, "registry")
    # core enterprises are old hands; the youngest firms still have two full years of history (but fixtures)
    oldest, span_years = (date(1993, 1, 1), 18) if firm.is_core else (date(2000, 1, 1), 22)
    founded = oldest + timedelta(days=rng.randint(0, 365 * span_years))
    if fixture is not None and fixture.founded_on is not None:
        founded = fixture.founded_on
    capital_units = rng.choice((10, 30, 50, 100, 200, 300, 500, 1000, 2000))  # in 10,000 yuan
    if firm.is_core:
        capital_units *= 20
    birth = date(1960, 1, 1) + timedelta(days=rng.randint(0, 365 * 36))
    representative: Payload = {
        "name": person_name(rng),
        "idNumber": resident_id_number(firm.division, birth, rng),
        "phone": rng.choice(_MOBILE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}",
    }
    plant = universe.plan.registry.get(credit_code)
    source = registration(universe, plant.source) if plant is not None else None
    if plant is not None and plant.shares == "representative":
        representative = dict(_representative(source))
    document: Payload = {
        "creditCode": firm.credit_code,
        "name": firm.name,
        "legalForm": _legal_form(rng, firm),
        "registeredCapital": cents_text(capital_units * 10_000 * 100),
        "currency": "CNY",
        "foundedOn": founded.isoformat(),
        "industry": firm.industry.key,
        "industryCode": firm.industry.code,
        "address": f"浙江省{firm.city}{firm.county}{rng.choice(ROADS)}{rng.randint(1, 2000)}号",
        "status": _status(rng, firm, fixture),
        "legalRepresentative": representative,
        "isCore": firm.is_core,
    }
    document["shareholders"], document["seniorManagers"] = _owners(universe, firm, representative)
    if plant is not None and source is not None:
        _share(universe.rng(credit_code, "registry-plant"), document, source, plant.shares)
    return document


def _representative(document: Payload | None) -> Payload:
    assert document is not None
    representative = document["legalRepresentative"]
    assert isinstance(representative, dict)
    return representative


def _share(rng: random.Random, document: Payload, source: Payload, shares: Shared) -> None:
    """Make ``document`` share with ``source`` what a planted related party shares (sandbox.anomalies): its
    representative as a shareholder (an owner of 20-40 %) or a director, its address or its phone."""
    person = _representative(source)
    if shares == "address":
        document["address"] = source["address"]
    elif shares == "phone":
        _representative(document)["phone"] = person["phone"]
    elif shares == "manager":
        managers = document["seniorManagers"]
        assert isinstance(managers, list)
        managers.insert(1, {"name": person["name"], "role": "director", "idNumber": person["idNumber"]})
    elif shares == "shareholder":
        holders = document["shareholders"]
        assert isinstance(holders, list)
        part = rng.randint(2_000, 4_000)  # of 10,000
        parts = [round(Decimal(str(holder["shareRatio"])) * (10_000 - part)) for holder in holders]
        parts[0] += 10_000 - part - sum(parts)
        for holder, ratio in zip(holders, parts, strict=True):
            holder["shareRatio"] = f"{ratio // 10_000}.{ratio % 10_000:04d}"
        holders.append(
            {
                "kind": "person",
                "name": person["name"],
                "idNumber": person["idNumber"],
                "shareRatio": f"0.{part:04d}",
            }
        )
