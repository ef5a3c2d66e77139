"""The audit log's tests use the running hub of the auth tests (its lifespan appends and checkpoints)."""

from tests.auth.conftest import auth_settings, hub, key_file

__all__ = ["auth_settings", "hub", "key_file"]
