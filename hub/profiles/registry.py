"""Registry figures shown to lenders; personal data of the legal representative is always masked."""

from __future__ import annotations


def mask_id_number(id_number: str) -> str:
    """Keep the 6-digit division and the last 4 characters: ``330102********1234``."""
    if len(id_number) <= 10:
        return "*" * len(id_number)
    return id_number[:6] + "*" * (len(id_number) - 10) + id_number[-4:]


def mask_phone(phone: str) -> str:
    """Keep the carrier prefix and the last 4 digits: ``138****8000``."""
    if len(phone) <= 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
