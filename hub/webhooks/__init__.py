"""Webhooks: tenants' subscriptions to the hub's events (hub.events), signed in the Standard Webhooks format
and delivered at least once on the job queue.

    subscriptions.py  createWebhook / webhooks / deleteWebhook: validated events and targets, sealed secrets
    targets.py        which URLs a webhook may call (in prod: https, public addresses or allow-listed hosts)
    sealing.py        the signing secrets, sealed under HUB_WEBHOOK_SECRET_KEY_FILE
    entitlement.py    who may be told what (scopes, live consents, tenant, credit-code filter)
    sink.py           the event bus's sink: one delivery row per (subscription, event), then a delivery job
    delivery.py       one attempt per due delivery: signed POST, backoff, dead letters
    jobs.py           the taskiq jobs: deliver, the periodic sweep, the daily consent.expiring events
    catalogue.py      /webhooks/events.json, made from hub.events.EVENT_TYPES
    service.py        the process's webhook service (built with the services)
"""
