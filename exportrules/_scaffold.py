"""``exportrules regimes new NAME --out DIR``: an installable plug-in package to start from.

The package it writes is the worked example of docs/plugins.md: a pyproject with the
``exportrules.regimes`` entry point, a regime folder with one cited rule and one table with
provenance, golden cases, a pytest test that runs them, and a README. It installs with pip and
passes ``exportrules regimes test NAME`` and its own tests unchanged.
"""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path

from ._errors import ExportRulesError
from ._version import __version__

__all__ = ["ScaffoldError", "write_scaffold"]

_ID = re.compile(r"[a-z][a-z0-9_]{0,31}")


class ScaffoldError(ExportRulesError):
    """The scaffold cannot be written (bad name, or the folder is not empty)."""


def _files(rid: str) -> dict[str, str]:
    pkg = f"exportrules_regime_{rid}"
    dist = f"exportrules-regime-{rid.replace('_', '-')}"
    today = _dt.date.today().isoformat()
    major, minor = (int(x) for x in __version__.split(".")[:2])
    # the rule language is versioned with exportrules: stay below the next breaking release
    pin = (
        f">={major}.{minor},<{major}.{minor + 1}"
        if major == 0
        else f">={major}.{minor},<{major + 1}"
    )
    title = rid.upper()
    return {
        "pyproject.toml": f'''\
[build-system]
requires = ["hatchling>=1.21"]
build-backend = "hatchling.build"

[project]
name = "{dist}"
version = "0.1.0"
description = "The {title} export-control regime for exportrules."
readme = "README.md"
requires-python = ">=3.11"
# The rule language is versioned with exportrules: allow the releases you have tested.
dependencies = ["exportrules{pin}"]

[project.optional-dependencies]
test = ["pytest>=8"]

# This line is what makes the regime a plug-in: Engine.default() (and every command that uses
# it) loads every regime registered in this group.
[project.entry-points."exportrules.regimes"]
{rid} = "{pkg}:regime"

[tool.hatch.build.targets.wheel]
packages = ["src/{pkg}"]

[tool.pytest.ini_options]
testpaths = ["tests"]
''',
        f"src/{pkg}/__init__.py": f'''\
"""The {title} regime for exportrules: rules, tables and golden cases in the folder `regime/`."""

from importlib import resources
from importlib.abc import Traversable

__all__ = ["regime"]


def regime() -> Traversable:
    """The regime folder (the value of the `exportrules.regimes` entry point)."""
    return resources.files(__name__).joinpath("regime")
''',
        f"src/{pkg}/regime/regime.toml": f'''\
# The {title} regime. Reference: docs/rules.md of exportrules (every key, operator and effect).
id = "{rid}"
name = "{title} internal export policy"
authority = "{title} export compliance committee"
version = "{today.replace("-", ".")[:7]}.1"
references = ["{title} Internal Compliance Programme, edition 2026 (ICP)"]
effective = {{ from = "2026-01-01" }}

# When the regime speaks: here, on every export and re-export.
applicability = {{ fact = "tx.activity", in = ["export", "reexport"] }}

[tables.restricted_destinations]
source = "{title} export compliance committee, decision 2026-01 (ICP s. 4.1)"
as_of = "{today}"
verified = false          # true only for tables generated from the official text
coverage = "Destinations the committee restricts beyond the law; see the note per row."
key = "country"           # a column named country: keys must be ISO 3166-1 alpha-2 codes
stale_after = 365         # `exportrules data status` warns a year after as_of
''',
        f"src/{pkg}/regime/tables/restricted_destinations.csv": """\
country,note
BY,Committee decision 2026-01 item 1
IR,Committee decision 2026-01 item 2
KP,Committee decision 2026-01 item 3
RU,Committee decision 2026-01 item 4
""",
        f"src/{pkg}/regime/rules/policy.toml": f'''\
[[rule]]
id = "{rid}.restricted_destination"
citation = "{title} Internal Compliance Programme, s. 4.1"
when = {{ fact = "tx.destination", in_table = "restricted_destinations" }}
then = {{ effect = "review" }}
message = """{{tx.destination}} is a restricted destination under the internal policy: \
the export control officer must approve line {{line.id}}."""
''',
        f"src/{pkg}/regime/cases/policy.toml": f'''\
[[case]]
name = "restricted-destination-is-held"
reason = """ICP s. 4.1: every export to a destination the committee restricts waits for \
the export control officer."""
transaction = {{ date = "2026-03-02", export_from = "DE", destination = "RU", lines = [
  {{ id = "1", description = "Industrial valve" }} ] }}
expect.outcome = "review"
expect.rules = ["{rid}.restricted_destination"]

[[case]]
name = "other-destination-passes"
reason = """ICP s. 4.1 names only the listed destinations; Canada is not one, so the \
policy adds no hold."""
transaction = {{ date = "2026-03-02", export_from = "DE", destination = "CA", lines = [
  {{ id = "1", description = "Industrial valve" }} ] }}
expect.outcome = "no_license_required"
expect.absent_rules = ["{rid}.restricted_destination"]

[[case]]
name = "before-the-policy"
reason = "The policy applies from 2026-01-01; before that the engine cannot decide under it."
transaction = {{ date = "2025-12-31", export_from = "DE", destination = "RU", lines = [
  {{ id = "1", description = "Industrial valve" }} ] }}
expect.outcome = "review"
expect.rules = ["{rid}.not_in_force"]
''',
        "tests/test_golden.py": f'''\
"""Run the regime's golden cases, and check that the installed entry point finds it."""

import pytest

from exportrules import Engine, run_cases
from {pkg} import regime

RESULTS = run_cases(regime())


def test_there_are_golden_cases() -> None:
    assert RESULTS


@pytest.mark.parametrize("result", RESULTS, ids=lambda r: r.case.name)
def test_golden_case(result) -> None:
    assert result.ok, "\\n".join(result.failures)


def test_installed_as_a_plugin() -> None:
    engine = Engine.default(screening=None)
    ours = [r for r in engine.regimes if r.id == "{rid}"]
    assert ours and not ours[0].broken, [r.problems for r in ours]
''',
        "README.md": f"""\
# {dist}

The **{title}** export-control regime as an [exportrules](https://pypi.org/project/exportrules/)
plug-in: declarative rules with citations, a table with provenance, and golden cases.

```bash
python -m pip install -e ".[test]"        # install (editable) with the test tools
exportrules regimes test {rid}            # run the golden cases of the installed regime
python -m pytest                          # the same, and the entry point, under pytest
exportrules regimes validate src/{pkg}/regime
```

Once installed, `exportrules.Engine.default()` — and so `exportrules evaluate` — includes this
regime in every decision (`Engine.default(plugins=False)` / `--no-plugins` leave it out).

Layout:

```
src/{pkg}/__init__.py          regime(): the folder, the value of the entry point
src/{pkg}/regime/regime.toml   identity, references, applicability, tables
src/{pkg}/regime/rules/        [[rule]] tables, each citing its provision
src/{pkg}/regime/tables/       CSV tables (provenance in regime.toml)
src/{pkg}/regime/cases/        golden cases, each with its legal reasoning
```

Edit the rules and tables, add a golden case for every rule, raise `version` in regime.toml
whenever the data changes, and publish with `python -m build` and `twine upload`.
Decision support, not legal advice.
""",
    }


def write_scaffold(name: str, out: str | Path, *, taken: tuple[str, ...] = ()) -> list[Path]:
    """Write the package for regime ``name`` into ``out`` (created; must be empty).

    Raises:
        ScaffoldError: the name is not a regime id, is taken, or ``out`` holds files.
    """
    if not _ID.fullmatch(name):
        raise ScaffoldError(
            f"{name!r} is not a regime id: lower case letters, digits and '_', starting with a "
            "letter, at most 32 characters"
        )
    if name in taken:
        raise ScaffoldError(
            f"a regime {name!r} is already loaded (bundled or installed); choose another name"
        )
    root = Path(out)
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise ScaffoldError(f"{root} exists and is not an empty folder; nothing was written")
    written = []
    for rel, text in _files(name).items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
        written.append(p)
    return written
