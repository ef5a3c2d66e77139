"""Connectors: one module per upstream source over shared plumbing (HTTP, retries, breaker, paging)."""
