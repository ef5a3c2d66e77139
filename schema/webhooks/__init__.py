"""GraphQL surface of webhooks: the caller's tenant's subscriptions to the hub's events
(scope webhooks:write)."""
