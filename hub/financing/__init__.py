"""Receivable financing: the registry that stops double financing across tenants, and loans reported back."""
