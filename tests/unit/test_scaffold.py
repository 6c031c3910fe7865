"""`exportrules regimes new`: the package it writes loads, passes its golden cases, and — in a
fresh virtual environment — installs with pip and passes `exportrules regimes test NAME` and its
own pytest unchanged."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest

from exportrules import load_regime, run_cases
from exportrules._cli import main

ROOT = Path(__file__).resolve().parent.parent.parent


def _new(tmp_path: Path, name: str = "acme") -> Path:
    out = tmp_path / f"exportrules-regime-{name}"
    assert main(["regimes", "new", name, "--out", str(out)]) == 0
    return out


def test_scaffold_is_a_valid_regime_with_passing_cases(tmp_path: Path) -> None:
    out = _new(tmp_path)
    folder = out / "src" / "exportrules_regime_acme" / "regime"
    r = load_regime(folder)
    assert r.id == "acme" and len(r.rules) == 1 and r.rules[0].citation
    t = r.tables["restricted_destinations"]
    assert t.source and t.as_of and t.verified is False and t.stale_after == 365
    results = run_cases(folder)
    assert len(results) == 3 and all(x.ok for x in results), [x.failures for x in results]
    py = tomllib.loads((out / "pyproject.toml").read_text())
    assert py["project"]["entry-points"]["exportrules.regimes"] == {
        "acme": "exportrules_regime_acme:regime"
    }
    assert (out / "tests" / "test_golden.py").is_file() and (out / "README.md").is_file()
    assert main(["regimes", "validate", str(folder)]) == 0


@pytest.mark.parametrize("name", ["Acme", "9lives", "a-b", "x" * 33])
def test_bad_names_are_refused(
    tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["regimes", "new", name, "--out", str(tmp_path / "o")]) == 2
    assert "is not a regime id" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_taken_names_and_full_folders_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["regimes", "new", "eu", "--out", str(tmp_path / "o")]) == 2
    assert "already loaded" in capsys.readouterr().err
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    assert main(["regimes", "new", "acme", "--out", str(tmp_path / "full")]) == 2
    assert "not an empty folder" in capsys.readouterr().err
    assert (tmp_path / "full" / "keep.txt").read_text() == "mine"


def _run(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, f"{cmd} exited {p.returncode}\n{p.stdout}\n{p.stderr}"
    return p


@pytest.mark.slow
def test_scaffold_round_trip_in_a_fresh_venv(tmp_path: Path) -> None:
    """Offline: the fresh venv gets pip, hatchling, pytest and the runtime dependencies from the
    test environment through a .pth file (appended after its own site-packages), and pip
    installs this checkout and the generated package into it with --no-index."""
    out = _new(tmp_path)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    vpy = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(vpy), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    parent = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(purelib, "_test_parent_env.pth").write_text("\n".join(sorted(parent)) + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    pip = [str(vpy), "-m", "pip", "install", "--quiet", "--no-index", "--no-build-isolation"]
    _run([*pip, str(ROOT)], tmp_path, env)
    _run([*pip, str(out)], tmp_path, env)
    where = _run([str(vpy), "-c", "import exportrules; print(exportrules.__file__)"], tmp_path, env)
    assert where.stdout.strip().startswith(str(venv)), where.stdout  # the installed copy
    t = _run([str(venv / "bin" / "exportrules"), "regimes", "test", "acme"], tmp_path, env)
    assert "acme: 3 passed, 0 failed" in t.stdout
    lst = _run([str(venv / "bin" / "exportrules"), "regimes", "list"], tmp_path, env)
    assert "[plug-in 'acme': exportrules-regime-acme 0.1.0]" in lst.stdout
    pt = _run([str(vpy), "-m", "pytest", "-q", "-p", "no:cacheprovider"], out, env)
    assert "5 passed" in pt.stdout, pt.stdout
