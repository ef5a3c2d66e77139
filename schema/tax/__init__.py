"""The tax part of the schema."""
