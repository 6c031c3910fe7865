"""Plug-in regimes from installed packages: discovery, the engine block, isolation of a broken
plug-in, strict mode, and the command line. Each test installs fake distributions by putting a
``*.dist-info`` folder with ``entry_points.txt`` on ``sys.path``, as pip would."""

from __future__ import annotations

import shutil
import sys
import textwrap
from pathlib import Path

import pytest

from exportrules import Engine, RuleSetError
from exportrules._cli import main

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "broken_regimes"
TX = {
    "id": "T-1",
    "date": "2026-03-02",
    "export_from": "TL",
    "destination": "CN",
    "lines": [{"id": "1", "description": "widget", "classification": {"br": "T100"}}],
}


class FakeSite:
    """A folder on sys.path holding fake installed distributions."""

    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        monkeypatch.syspath_prepend(str(root))
        self._mods: list[str] = []
        self._mp = monkeypatch

    def install(self, dist: str, version: str, entry_points: dict[str, str]) -> None:
        info = self.root / f"{dist.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n")
        eps = "".join(f"{k} = {v}\n" for k, v in entry_points.items())
        (info / "entry_points.txt").write_text(f"[exportrules.regimes]\n{eps}")

    def module(self, name: str, source: str) -> Path:
        pkg = self.root / name
        pkg.mkdir()
        (pkg / "__init__.py").write_text(textwrap.dedent(source))
        for m in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            self._mp.delitem(sys.modules, m)
        return pkg


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeSite:
    return FakeSite(tmp_path / "site", monkeypatch)


def _good(site: FakeSite, mod: str = "br_plugin", attr: str = "FOLDER") -> Path:
    pkg = site.module(
        mod,
        """
        from importlib import resources
        FOLDER = resources.files(__name__).joinpath("regime")
        def folder():
            return FOLDER
        """,
    )
    shutil.copytree(CORPUS / "_valid", pkg / "regime")
    site.install("br-regime", "1.2.3", {"br": f"{mod}:{attr}"})
    return pkg


@pytest.mark.parametrize("attr", ["FOLDER", "folder"])
def test_an_installed_regime_is_loaded_and_named_in_every_decision(
    site: FakeSite, attr: str
) -> None:
    pkg = _good(site, attr=attr)
    eng = Engine.default(screening=None)
    assert "br" in {r.id for r in eng.regimes}
    d = eng.evaluate(TX)
    assert d.regimes["br"].outcome.value == "license_required"
    (plug,) = d.engine["plugins"]
    assert plug["name"] == "br" and plug["distribution"] == "br-regime"
    assert plug["version"] == "1.2.3" and plug["status"] == "loaded" and plug["regime"] == "br"
    assert plug["origin"] == str((pkg / "regime").resolve())
    assert "plugins" in d.to_dict()["engine"]


def test_plugins_false_leaves_them_out(site: FakeSite) -> None:
    _good(site)
    eng = Engine.default(screening=None, plugins=False)
    assert "br" not in {r.id for r in eng.regimes}
    assert eng.evaluate({**TX, "lines": [{"id": "1"}]}).engine["plugins"] == []


def test_a_plugin_that_fails_to_import_answers_review(site: FakeSite) -> None:
    _good(site)
    pkg = site.module("acme_broken", "import math\nVALUE = 1 / 0\n")
    site.install("acme-regime", "0.9", {"acme": "acme_broken:regime"})
    eng = Engine.default(screening=None)
    d = eng.evaluate(TX)
    # the good plug-in and the bundled regimes still decide
    assert d.regimes["br"].outcome.value == "license_required"
    assert "eu" in d.regimes
    assert d.regimes["acme"].outcome.value == "review"
    (f,) = [f for f in d.findings if f.rule == "acme.ruleset_error"]
    assert f.outcome.value == "review" and "ZeroDivisionError" in f.message
    assert f"{pkg / '__init__.py'}:2" in f.message  # the real file and line
    assert d.outcome.value in ("review", "license_required", "prohibited")
    assert {p["name"]: p["status"] for p in d.engine["plugins"]} == {
        "acme": "broken",
        "br": "loaded",
    }


def test_a_regime_with_errors_answers_review_under_its_own_id(site: FakeSite) -> None:
    pkg = site.module(
        "bad_regime",
        """
        from importlib import resources
        def regime():
            return resources.files(__name__).joinpath("regime")
        """,
    )
    shutil.copytree(CORPUS / "unknown_fact_path", pkg / "regime")
    site.install("bad-regime", "2.0", {"whatever": "bad_regime:regime"})
    eng = Engine.default(screening=None)
    (r,) = [r for r in eng.regimes if r.broken]
    assert r.id == "br"  # the id its regime.toml declares
    real = str((pkg / "regime").resolve())
    assert r.problems[0].startswith(f"{real}/rules/main.toml:5: ")
    assert "entry point" not in r.problems[0]
    d = eng.evaluate(TX)
    assert d.lines[0].regimes["br"].value == "review"
    assert any(f.rule == "br.ruleset_error" and "tx.activty" in f.message for f in d.findings)


def test_a_broken_plugin_does_not_displace_a_bundled_regime(site: FakeSite) -> None:
    site.module("fake_eu", "def regime():\n    raise RuntimeError('no folder')\n")
    site.install("fake-eu", "1", {"eu": "fake_eu:regime"})
    eng = Engine.default(screening=None)
    ids = {r.id: r for r in eng.regimes}
    assert not ids["eu"].broken and ids["eu_plugin_eu"].broken


def test_a_plugin_may_not_take_a_bundled_id(site: FakeSite) -> None:
    pkg = site.module(
        "dup_eu",
        "from importlib import resources\nFOLDER = resources.files(__name__) / 'regime'\n",
    )
    shutil.copytree(CORPUS / "_valid", pkg / "regime")
    t = (pkg / "regime" / "regime.toml").read_text().replace('id = "br"', 'id = "eu"')
    (pkg / "regime" / "regime.toml").write_text(t)
    for f in (pkg / "regime" / "rules").iterdir():
        f.write_text(f.read_text().replace('"br.', '"eu.'))
    site.install("dup-eu", "1", {"dup": "dup_eu:FOLDER"})
    eng = Engine.default(screening=None)
    broken = [r for r in eng.regimes if r.broken]
    assert len(broken) == 1 and "already provided by" in broken[0].problems[0]


def test_strict_plugins_raises(site: FakeSite) -> None:
    site.module("acme_broken2", "raise ImportError('missing dependency foo')\n")
    site.install("acme-regime", "0.9", {"acme": "acme_broken2:regime"})
    with pytest.raises(RuleSetError, match="missing dependency foo"):
        Engine.default(screening=None, strict_plugins=True)
    stand_in = next(r for r in Engine.default(screening=None).regimes if r.broken)
    with pytest.raises(RuleSetError, match="acme"):
        Engine([stand_in], strict_plugins=True)


def test_cli_list_shows_broken_plugins(site: FakeSite, capsys: pytest.CaptureFixture[str]) -> None:
    _good(site)
    site.module("acme_broken3", "VALUE = 1 / 0\n")
    site.install("acme-regime", "0.9", {"acme": "acme_broken3:regime"})
    assert main(["regimes", "list"]) == 0
    out = capsys.readouterr().out
    assert "acme   BROKEN [plug-in 'acme': acme-regime 0.9]" in out
    assert "ZeroDivisionError" in out
    assert "[plug-in 'br': br-regime 1.2.3]" in out
    assert main(["regimes", "list", "--strict-plugins"]) == 3
    capsys.readouterr()
    assert main(["regimes", "list", "--no-plugins"]) == 0
    assert "acme" not in capsys.readouterr().out


def test_cli_evaluate_plugin_flags(
    site: FakeSite, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    site.module("acme_broken4", "VALUE = 1 / 0\n")
    site.install("acme-regime", "0.9", {"acme": "acme_broken4:regime"})
    f = tmp_path / "tx.json"
    f.write_text(json.dumps({**TX, "export_from": "DE", "lines": [{"id": "1"}]}))
    assert main(["evaluate", str(f), "--no-screening"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["regimes"]["acme"]["outcome"] == "review"
    assert main(["evaluate", str(f), "--no-screening", "--strict-plugins"]) == 3
    assert "ZeroDivisionError" in capsys.readouterr().err
    assert main(["evaluate", str(f), "--no-screening", "--no-plugins"]) == 0
    assert "acme" not in json.loads(capsys.readouterr().out)["regimes"]


def test_regimes_test_by_installed_id(site: FakeSite, capsys: pytest.CaptureFixture[str]) -> None:
    _good(site)
    assert main(["regimes", "test", "eu"]) == 0
    assert "eu: " in capsys.readouterr().out
    assert main(["regimes", "test", "br"]) == 0  # no cases: 0 passed
    assert main(["regimes", "test", "nope"]) == 2
    assert "neither a regime folder nor the id" in capsys.readouterr().err


def test_workers_rebuild_the_same_engine(site: FakeSite) -> None:
    _good(site)
    eng = Engine.default(screening=None)
    txs = [TX, {**TX, "id": "T-2", "destination": "US"}]
    one = [d.to_dict() for d in eng.evaluate_many(txs)]
    two = [d.to_dict() for d in eng.evaluate_many(txs, workers=1)]
    for a, b in zip(one, two):
        a.pop("evaluated_at", None)
        b.pop("evaluated_at", None)
    assert one == two and one[0]["engine"]["plugins"][0]["name"] == "br"


@pytest.mark.rete
def test_a_broken_plugin_answers_review_on_rete(site: FakeSite) -> None:
    pytest.importorskip("durable.engine")
    site.module("acme_broken5", "VALUE = 1 / 0\n")
    site.install("acme-regime", "0.9", {"acme": "acme_broken5:regime"})
    eng = Engine.default(screening=None, backend="rete")
    d = eng.evaluate({**TX, "export_from": "DE", "lines": [{"id": "1"}]})
    assert d.regimes["acme"].outcome.value == "review"


def test_batch_workers_keep_the_plugins(
    site: FakeSite, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    _good(site)
    site.module("acme_broken6", "VALUE = 1 / 0\n")
    site.install("acme-regime", "0.9", {"acme": "acme_broken6:regime"})
    f = tmp_path / "txs.jsonl"
    f.write_text("\n".join(json.dumps({**TX, "id": f"T-{i}"}) for i in range(3)) + "\n")
    assert main(["evaluate", "--batch", str(f), "--workers", "1", "--no-screening"]) == 0
    out = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [d["transaction"] for d in out] == ["T-0", "T-1", "T-2"]
    for d in out:
        assert d["regimes"]["br"]["outcome"] == "license_required"
        assert d["regimes"]["acme"]["outcome"] == "review"
        assert {p["name"] for p in d["engine"]["plugins"]} == {"acme", "br"}
