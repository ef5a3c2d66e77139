"""GraphQL surface of the audit log: a tenant's own trail, for its auditors (scope admin)."""
