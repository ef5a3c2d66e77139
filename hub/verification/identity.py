"""Who stands behind a firm, as the registry says: the people (by keyed ID-number hash), its enterprise
shareholders, its registered address and phone. Two firms sharing any of these are related parties."""

from __future__ import annotations

from connectors.records import RegistryRecord

Identity = tuple[str, str]  # (what is shared, its value: a keyed hash, a normalised address, a code)


def _address(text: str) -> str:
    return "".join(text.split())


def identities(record: RegistryRecord) -> set[Identity]:
    people = {("person", record.legal_representative.id_number_hash)}
    people |= {("person", holder.id_hash) for holder in record.shareholders if holder.kind == "person"}
    people |= {("person", manager.id_number_hash) for manager in record.senior_managers}
    found = people | {
        ("phone", record.legal_representative.phone_hash),
        ("address", _address(record.address)),
    }
    found |= {
        ("enterprise", holder.credit_code)
        for holder in record.shareholders
        if holder.kind == "enterprise" and holder.credit_code
    }
    return found


def shared(first: RegistryRecord, second: RegistryRecord) -> list[str]:
    """What the two firms share (``person``, ``phone``, ``address``, ``shareholder``: one owns the other or
    both have the same enterprise shareholder), sorted; empty when unrelated."""
    common = identities(first) & identities(second)
    kinds = {kind if kind != "enterprise" else "shareholder" for kind, _ in common}
    owners_first = {code for kind, code in identities(first) if kind == "enterprise"}
    owners_second = {code for kind, code in identities(second) if kind == "enterprise"}
    if second.credit_code in owners_first or first.credit_code in owners_second:
        kinds.add("shareholder")
    return sorted(kinds)
