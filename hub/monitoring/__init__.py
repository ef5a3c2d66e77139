"""Supply-chain financing monitoring: province–city–county aggregates of firms, consents, financings,
overdue loans, confirmed receivables and electricity, for regulators (all tenants) and banks (their own
figures beside anonymised totals). Never a non-core firm's identity or figures."""
