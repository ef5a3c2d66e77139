"""Verification of a real trade background (四流合一): information, commercial, logistics and capital flows
checked against each other, and the fraud signals that show when they do not agree.

Pure checks (:mod:`hub.verification.checks`) over the records one caller may read (its scopes and the
firms' consents): a source a check needs that is withheld or unavailable makes it ``NO_DATA``, never
``PASS``. Every threshold is a per-tenant parameter with a documented default
(:mod:`hub.verification.parameters`).
"""
