"""The enterprise-data GraphQL hub: wiring (settings, app, storage, services, CLI)."""
