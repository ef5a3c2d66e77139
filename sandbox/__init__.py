"""Five simulated upstream providers (registry, electricity, logistics, tax, trade).

Each is a small starlette app speaking the protocol of ``sandbox/PROTOCOL.md`` over one deterministic
synthetic universe of Zhejiang enterprises; :mod:`sandbox.runner` starts them. The sandbox imports nothing of
the hub but :mod:`foundation.credit_code`.
"""
