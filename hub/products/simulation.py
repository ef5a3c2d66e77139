"""What-if: several versions of a product over one population, and the firms whose decision flips.

Each version's decisions are counted and its credit lines added up; a firm flips when a version decides
otherwise than the first one asked, and its flip names the reasons that came and went.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from hub.products.assessment import DECISIONS, Decision, Outcome

MAX_FLIPS_LISTED = 1000


@dataclass(frozen=True, slots=True)
class VersionResult:
    version: int
    counts: Mapping[Decision, int]
    total_credit_line_yuan: Decimal


@dataclass(frozen=True, slots=True)
class Flip:
    credit_code: str
    from_version: int
    to_version: int
    from_decision: Decision
    to_decision: Decision
    reasons_added: tuple[str, ...]
    reasons_removed: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Simulation:
    population: int
    versions: tuple[VersionResult, ...]
    flips: tuple[Flip, ...]  # at most MAX_FLIPS_LISTED
    flip_count: int


def compare_versions(versions: Sequence[int], outcomes: Mapping[str, Sequence[Outcome]]) -> Simulation:
    """``outcomes[code][i]`` is version ``versions[i]``'s outcome for the firm."""
    results = []
    for index, version in enumerate(versions):
        decided = [by_version[index] for by_version in outcomes.values()]
        results.append(
            VersionResult(
                version,
                {decision: sum(1 for o in decided if o.decision == decision) for decision in DECISIONS},
                sum((o.credit_line_yuan or Decimal(0) for o in decided), Decimal(0)),
            )
        )
    flips = []
    for code, by_version in outcomes.items():
        first = by_version[0]
        for index in range(1, len(versions)):
            other = by_version[index]
            if other.decision == first.decision:
                continue
            before = [reason.code for reason in first.reasons]
            after = [reason.code for reason in other.reasons]
            flips.append(
                Flip(
                    code,
                    versions[0],
                    versions[index],
                    first.decision,
                    other.decision,
                    tuple(c for c in after if c not in before),
                    tuple(c for c in before if c not in after),
                )
            )
    return Simulation(len(outcomes), tuple(results), tuple(flips[:MAX_FLIPS_LISTED]), len(flips))
