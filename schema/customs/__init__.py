"""The customs part of the schema (the sixth source: export declarations and FX receipts)."""
