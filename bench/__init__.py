"""Benchmarks of the hub: scripts run as ``python -m bench.<name>``, results in BENCHMARKS.md."""
