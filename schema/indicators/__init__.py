"""The indicators part of the schema."""
