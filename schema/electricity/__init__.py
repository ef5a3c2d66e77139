"""The electricity part of the schema."""
