"""The trade part of the schema."""
