"""The bundled regimes, their docs and the package agree (a regime is not half-added)."""

from __future__ import annotations

from exportrules import Engine
from exportrules._loader import bundled_regimes
from tests.conftest import ROOT


def test_every_bundled_regime_loads_documents_and_is_listed() -> None:
    found = {name for name, _ in bundled_regimes()}
    assert found == {p.parent.name for p in (ROOT / "regimes").glob("*/regime.toml")}
    readme = (ROOT / "README.md").read_text()
    index = (ROOT / "docs" / "index.md").read_text()
    for rid in found:
        assert (ROOT / "docs" / "regimes" / f"{rid}.md").is_file(), f"docs/regimes/{rid}.md"
        assert f"regimes/{rid}.md" in index, f"docs/index.md does not link regimes/{rid}.md"
    assert "docs/regimes/" in readme
    e = Engine.default(screening=None, plugins=False)
    assert {r.id for r in e.regimes} == found
    for r in e.regimes:
        assert r.references and all(t.source and t.as_of for t in r.tables.values())


def test_every_table_states_its_provenance_and_coverage() -> None:
    for r in Engine.default(screening=None, plugins=False).regimes:
        for t in r.tables.values():
            assert t.coverage.strip(), f"{r.id}.{t.name} has no coverage sentence"
            assert isinstance(t.verified, bool)
