"""The public names of ``exportrules`` load on first use (PEP 562) and stay the same objects."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import exportrules


@pytest.mark.parametrize("name", exportrules.__all__)
def test_every_public_name_resolves_to_its_defining_object(name: str) -> None:
    value = getattr(exportrules, name)
    assert value is not None
    if name != "__version__":
        module = exportrules._LAZY[name]
        defining = __import__("exportrules" + module, fromlist=[name])
        assert getattr(defining, name) is value
    assert name in dir(exportrules)


def test_star_import_and_from_import_give_the_public_names() -> None:
    ns: dict[str, object] = {}
    exec("from exportrules import *", ns)
    assert set(exportrules.__all__) <= set(ns)
    from exportrules import Ledger, LedgerError, run_cases

    assert Ledger.__module__.startswith("exportrules._ledger")
    assert issubclass(LedgerError, exportrules.ExportRulesError)
    assert callable(run_cases)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        exportrules.nope  # noqa: B018
    with pytest.raises(ImportError):
        exec("from exportrules import nope", {})


def test_evaluating_loads_neither_ledger_nor_batch_nor_case_runner() -> None:
    code = (
        "import json, sys\n"
        "import exportrules\n"
        "after_import = sorted(m for m in sys.modules if m.startswith('exportrules.'))\n"
        "d = exportrules.Engine.default(screening=False).evaluate({'id': 'T', 'date': '2026-01-05',"
        " 'export_from': 'DE', 'destination': 'FR', 'parties': [], 'lines': [{'id': '1',"
        " 'classification': {'eu': '5A002.a', 'us': '5A002.a'}}]})\n"
        "print(json.dumps({'after_import': after_import, 'modules': sorted(sys.modules)}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        env=os.environ | {"EXPORTRULES_CACHE_DIR": "off"},
    )  # fmt: skip
    got = json.loads(out.stdout)
    assert got["after_import"] == ["exportrules._lazy", "exportrules._version"]
    loaded = set(got["modules"])
    for heavy in ("exportrules._ledger", "exportrules._batch", "exportrules._cases", "sqlite3"):
        assert heavy not in loaded, heavy
