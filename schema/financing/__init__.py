"""GraphQL surface of receivable financing: register and release financings, report loans."""
