"""The logistics part of the schema."""
