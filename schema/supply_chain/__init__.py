"""The supply chain part of the schema."""
