"""Early warnings (贷后): a tenant's watchlist, its alert rules (JDM graphs over the lending facts, the
built-ins and its own), the alerts they raise, and the indicator flags a firm raises and clears.

Evaluation is one job per (tenant, firm) (:mod:`hub.alerts.jobs`), kicked when a watched firm's record
changes (a ``profile.changed`` event) or on demand; it reads the firm as the tenant may read it, so a
source without the firm's consent makes that source's rules evaluate to nothing.
"""
