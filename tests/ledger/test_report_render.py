"""The HTML report as a browser shows it: headless Chromium takes a screenshot, and the
charts' outcome colours must be on it (an image that failed to load or decode would show none).

Chromium comes from the Debian package (``.ci/run`` installs it). Without it this test fails in
CI and is skipped elsewhere.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from exportrules import Engine, Ledger
from exportrules._report import build_report, to_html
from exportrules._report._html import COLOURS
from tests.ledger.test_report import _build


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    if os.environ.get("CI") or os.environ.get("EXPORTRULES_REQUIRE_CHROMIUM"):
        pytest.fail("headless Chromium is expected here (apt-get install chromium)")
    pytest.skip("no Chromium on this machine (apt-get install chromium)")


def test_html_report_renders_in_chromium(tmp_path: Path, engine: Engine) -> None:
    from PIL import Image

    browser = _chromium()
    url = f"sqlite:///{tmp_path}/l.db"
    _build(url, engine)
    with Ledger.open(url) as led:
        page = tmp_path / "report.html"
        page.write_text(to_html(build_report(led)), encoding="utf-8")
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1200,7000",
            "--virtual-time-budget=10000",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    with Image.open(shot) as im:
        assert im.size == (1200, 7000)
        arr = np.asarray(im.convert("RGB")).astype(np.int32)
    packed = (arr[..., 0] << 16) | (arr[..., 1] << 8) | arr[..., 2]

    def count(hexcolour: str) -> int:
        return int((packed == int(hexcolour[1:], 16)).sum())

    # every outcome in the ledger is drawn as solid bars in the charts
    for outcome in (
        "prohibited",
        "license_required",
        "review",
        "authorised",
        "no_license_required",
    ):
        assert count(COLOURS[outcome]) > 300, outcome
    # the page is more than a blank sheet: text, tables and charts in many shades
    assert np.unique(packed).size > 500
    background = count("#ffffff") + count("#f6f7f9")
    assert background < 0.97 * packed.size
