"""Every command of the ``hub`` command line (see :mod:`hub.cli`); each group lives in its own module."""

from __future__ import annotations

import typer

from hub.cli import (
    audit,
    clients,
    consent,
    db,
    demo,
    keys,
    products,
    sandbox,
    schema_cmd,
    serve,
    sources,
    sync,
    webhooks,
    worker,
)

# A crash trace must not print local variables: they hold settings, secrets and personal data.
app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    help="The enterprise-data GraphQL hub.",
)
app.command("demo")(demo.demo)
app.command("serve")(serve.serve)
app.command("sandbox")(sandbox.sandbox)
app.command("sync")(sync.sync)
app.command("worker")(worker.worker)
app.command("sources")(sources.sources)
app.add_typer(db.app, name="db")
app.add_typer(schema_cmd.app, name="schema")
app.add_typer(clients.app, name="clients")
app.add_typer(consent.app, name="consent")
app.add_typer(products.app, name="products")
app.add_typer(audit.app, name="audit")
app.add_typer(keys.app, name="keys")
app.add_typer(webhooks.app, name="webhooks")
