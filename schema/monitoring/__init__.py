"""GraphQL surface of monitoring: ``monitoring`` and ``coreExposure`` (hub.monitoring), and the gate that
keeps a regulator's operations to them."""
