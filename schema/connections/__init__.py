"""GraphQL surface of connections: where each (firm, source) stands for the caller's tenant."""
