"""``hub products publish`` / ``list`` / ``templates``: a tenant's versions from the command line."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.log import AuditLog
from hub.products.store import ProductBook
from hub.products.templates import templates
from tests.cli.test_clients import run_hub
from tests.fixtures.backends import Backend


async def test_publish_a_template_then_a_file_makes_versions(
    backend: Backend, sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    first = await run_hub(backend, "products", "publish", "--tenant", "bank-a", "--template", "tax-loan")
    assert first.exit_code == 0, first.output
    assert "published tax-loan v1 for bank-a" in first.stdout

    edited = copy.deepcopy(templates()["tax-loan"].document)
    edited["parameters"]["maxLineYuan"] = 1500000
    file = tmp_path / "tax-loan.json"
    file.write_text(json.dumps(edited), encoding="utf-8")
    second = await run_hub(
        backend, "products", "publish", "--tenant", "bank-a", "--file", str(file),
        "--key", "tax-loan", "--name", "tax loan, smaller", "--kind", "TAX",
    )  # fmt: skip
    assert second.exit_code == 0, second.output
    assert "published tax-loan v2" in second.stdout

    versions = await ProductBook(sessions, AuditLog(sessions)).versions("bank-a")
    assert [(v.key, v.version, v.name) for v in versions] == [
        ("tax-loan", 1, templates()["tax-loan"].name),
        ("tax-loan", 2, "tax loan, smaller"),
    ]
    assert versions[1].document["parameters"]["maxLineYuan"] == 1500000
    listed = await run_hub(backend, "products", "list", "--tenant", "bank-a", "--json")
    assert [json.loads(line)["version"] for line in listed.stdout.splitlines()] == [1, 2]
    assert (await AuditLog(sessions).verify()).rows_checked == 2


async def test_an_invalid_file_exits_1_naming_node_and_rule(
    backend: Backend, sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    broken = copy.deepcopy(templates()["logistics-loan"].document)
    knockouts = next(node for node in broken["graph"]["nodes"] if node["name"] == "knock-outs")
    frequency = next(rule for rule in knockouts["content"]["rules"] if rule["_id"] == "frequency")
    column = next(key for key, cell in frequency.items() if "params.minActiveMonths12" in str(cell))
    frequency[column] = "< params.minActiveMonths"
    file = tmp_path / "broken.json"
    file.write_text(
        json.dumps({"key": "logistics-loan", "name": "x", "kind": "LOGISTICS", "document": broken})
    )
    result = await run_hub(backend, "products", "publish", "--tenant", "bank-a", "--file", str(file))
    assert result.exit_code == 1
    assert "unknown parameter params.minActiveMonths" in result.stderr
    assert "node 'knock-outs'" in result.stderr and "rule 'frequency'" in result.stderr
    assert await ProductBook(sessions, AuditLog(sessions)).versions("bank-a") == []

    neither = await run_hub(backend, "products", "publish", "--tenant", "bank-a")
    assert neither.exit_code == 2
    unknown = await run_hub(backend, "products", "publish", "--tenant", "bank-a", "--template", "car-loan")
    assert unknown.exit_code == 2 and "electricity-loan" in unknown.stderr


async def test_templates_are_listed_and_exported(backend: Backend, tmp_path: Path) -> None:
    directory = tmp_path / "templates"
    result = await run_hub(backend, "products", "templates", "--export", str(directory))
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in directory.iterdir()) == [f"{key}.json" for key in sorted(templates())]
    exported = json.loads((directory / "electricity-loan.json").read_text(encoding="utf-8"))
    assert exported["document"] == templates()["electricity-loan"].document


async def test_facts_are_listed_with_their_sources(backend: Backend) -> None:
    result = await run_hub(backend, "products", "facts")
    assert result.exit_code == 0, result.output
    holder = next(
        line for line in result.stdout.splitlines() if line.startswith("electricity.holderMatchesName")
    )
    assert "electricity,registry" in holder and "BOOLEAN" in holder
    assert "  .tenorDays" in result.stdout
