"""Who may see what: OAuth 2 server, tokens, scopes, tenants, consent, audit, rate limits."""
