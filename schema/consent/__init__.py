"""GraphQL surface of consent: the caller's tenant's consents, granted and withdrawn (scope consent:write)."""
