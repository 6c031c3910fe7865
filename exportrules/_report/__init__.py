"""The transparency report over a ledger: aggregation, and JSON, CSV and HTML renderings."""

from ._aggregate import build_report
from ._csv import to_csv

__all__ = ["build_report", "to_csv", "to_html"]


def to_html(report: dict[str, object]) -> str:
    """The report as one self-contained HTML page with charts (needs exportrules[report])."""
    from ._html import to_html as _to_html

    return _to_html(report)
