"""The enterprise part of the schema."""
