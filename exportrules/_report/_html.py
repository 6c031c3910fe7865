"""The report as one self-contained HTML page: headline figures, charts (PNG, embedded) and
tables. Charts are drawn with matplotlib's object API on the Agg canvas, so no display and no
global backend state is touched."""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from ._aggregate import OUTCOMES

try:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator
except ImportError as e:  # pragma: no cover - exercised without the extra
    raise ImportError(
        "the HTML report draws charts with matplotlib: pip install 'exportrules[report]'"
    ) from e

__all__ = ["COLOURS", "to_html"]

COLOURS = {
    "prohibited": "#7f0000",
    "license_required": "#d7301f",
    "review": "#f39c12",
    "authorised": "#2c7fb8",
    "no_license_required": "#7fcdbb",
    "not_applicable": "#c8c8c8",
    "resolved": "#8e6bbf",
}
LABELS = {
    "prohibited": "Prohibited",
    "license_required": "Licence required",
    "review": "Held for review",
    "authorised": "Authorised",
    "no_license_required": "No licence required",
    "not_applicable": "Not applicable",
    "resolved": "Review resolved by a person",
}

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;
color:#1d2330;background:#f6f7f9}
main{max-width:1100px;margin:0 auto;padding:24px 28px 60px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:36px 0 10px;border-bottom:2px solid
#dde1e7;padding-bottom:4px}h3{font-size:15px;margin:18px 0 6px}
.sub{color:#566074;margin:0 0 16px}
.badge{display:inline-block;padding:6px 12px;border-radius:6px;font-weight:600;margin:6px 0}
.ok{background:#e3f4e8;color:#14602f;border:1px solid #9fd3ae}
.bad{background:#fde4e1;color:#8a1a10;border:1px solid #f0a59b}
.muted{background:#eceff3;color:#566074;border:1px solid #d3d8df}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px;
margin:16px 0}
.tile{background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:10px 12px}
.tile b{display:block;font-size:24px}.tile span{color:#566074;font-size:13px}
.tile.sev{border-left:6px solid var(--c)}
figure{margin:8px 0;background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:8px}
figure img{max-width:100%;height:auto;display:block;margin:0 auto}
figcaption{color:#566074;font-size:13px;padding:4px 6px}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13px;margin:8px 0}
th,td{border:1px solid #dde1e7;padding:4px 7px;text-align:left;vertical-align:top}
th{background:#eef1f5}td.n{text-align:right;font-variant-numeric:tabular-nums;
white-space:nowrap}
tr:nth-child(even) td{background:#fafbfc}
.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;
background:var(--c)}
.notes li{margin:4px 0;color:#3b4455}
footer{color:#566074;font-size:12px;margin-top:40px}
"""


def _e(x: Any) -> str:
    return html.escape("" if x is None else str(x))


def _num(x: Any) -> str:
    if x is None or x == "":
        return ""
    try:
        d = Decimal(str(x))
    except ArithmeticError:
        return _e(x)
    if d == d.to_integral_value():
        return f"{int(d):,}"
    return f"{d:,.2f}"


def _units(x: Any) -> str:
    one = str(x) in ("1", "1.0")
    return f"{_num(x)} unit{'' if one else 's'}"


def _values(vals: Mapping[str, str]) -> str:
    return "<br>".join(f"{_num(v)} {_e(c)}" for c, v in sorted(vals.items())) or ""


def _png(fig: Figure) -> str:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)  # margins set by _margins: "tight" draws twice
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _legend(ax: Any, n: int) -> None:
    """The outcome legend in one row between the title and the plot, clear of the bars."""
    ax.legend(
        fontsize=8,
        frameon=False,
        loc="lower left",
        bbox_to_anchor=(0.0, 1.0),
        ncols=max(1, n),
        borderaxespad=0.1,
        handlelength=1.2,
        columnspacing=1.2,
    )


def _margins(fig: Figure, labels: Sequence[str], bottom: float = 0.0) -> None:
    """Room on the left for the longest label, without a second layout pass."""
    width_in = fig.get_figwidth()
    longest = max((len(x) for x in labels), default=4)
    left = min(0.55, (0.075 * longest + 0.35) / width_in)
    height_in = fig.get_figheight()
    fig.subplots_adjust(
        left=left,
        right=0.97,
        top=1 - 0.62 / height_in,
        bottom=(0.55 + bottom) / height_in,
    )


def _figure(fig: Figure | None, alt: str, caption: str) -> str:
    """The chart as an embedded image with its caption; nothing when there is no chart."""
    if fig is None:
        return ""
    return (
        f'<figure><img alt="{_e(alt)}" src="data:image/png;base64,{_png(fig)}">'
        f"<figcaption>{_e(caption)}</figcaption></figure>"
    )


def _pivot(
    rows: Iterable[Mapping[str, Any]], keys: Sequence[str], metric: str = "lines"
) -> tuple[
    list[tuple[Any, ...]],
    dict[tuple[Any, ...], dict[str, int]],
    dict[tuple[Any, ...], dict[str, Decimal]],
]:
    counts: dict[tuple[Any, ...], dict[str, int]] = {}
    values: dict[tuple[Any, ...], dict[str, Decimal]] = {}
    for r in rows:
        k = tuple(r[x] for x in keys)
        counts.setdefault(k, {})[r["outcome"]] = counts.get(k, {}).get(r["outcome"], 0) + int(
            r[metric]
        )
        v = values.setdefault(k, {})
        for c, amount in (r.get("values") or {}).items():
            v[c] = v.get(c, Decimal(0)) + Decimal(amount)
    order = list(counts)  # the aggregator already sorted the rows
    return order, counts, values


def _stacked(
    order: Sequence[tuple[Any, ...]],
    counts: Mapping[tuple[Any, ...], Mapping[str, int]],
    label: Any,
    title: str,
    xlabel: str,
    top: int = 15,
) -> Figure | None:
    shown = list(order)[:top]
    if not shown:
        return None
    present = [o for o in OUTCOMES if any(counts[k].get(o) for k in shown)]
    h = max(1.6, 0.36 * len(shown) + 1.2)
    fig = Figure(figsize=(9, h))
    ax = fig.add_subplot()
    ys = list(range(len(shown)))[::-1]
    left = [0] * len(shown)
    for o in present:
        w = [counts[k].get(o, 0) for k in shown]
        ax.barh(ys, w, left=left, color=COLOURS.get(o, "#999"), label=LABELS.get(o, o), height=0.7)
        left = [a + b for a, b in zip(left, w)]
    for y, total in zip(ys, left):
        ax.text(total, y, f" {total:,}", va="center", fontsize=8, color="#333")
    names = [label(k) for k in shown]
    ax.set_yticks(ys)
    ax.set_yticklabels(names, fontsize=9)
    _margins(fig, names)
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=11, loc="left", pad=22)
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_xlim(0, max(left) * 1.12 + 1)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    _legend(ax, len(present))
    return fig


def _table(
    order: Sequence[tuple[Any, ...]],
    counts: Mapping[tuple[Any, ...], Mapping[str, int]],
    values: Mapping[tuple[Any, ...], Mapping[str, Decimal]],
    headers: Sequence[str],
    cell: Any = None,
) -> str:
    present = [o for o in OUTCOMES if any(counts[k].get(o) for k in order)]
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    head += "".join(
        f'<th><span class="swatch" style="--c:{COLOURS[o]}"></span>{_e(LABELS[o])}</th>'
        for o in present
    )
    head += "<th>Total</th><th>Value</th>"
    body = []
    for k in order:
        c = counts[k]
        tds = "".join(f"<td>{_e(x)}</td>" for x in (cell(k) if cell else k))
        tds += "".join(
            f'<td class="n">{_num(c.get(o, 0)) if c.get(o) else ""}</td>' for o in present
        )
        tds += f'<td class="n"><b>{_num(sum(c.values()))}</b></td>'
        tds += f'<td class="n">{_values({x: str(v) for x, v in values[k].items()})}</td>'
        body.append(f"<tr>{tds}</tr>")
    if not body:
        return '<p class="sub">No records in this period.</p>'
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _outcome_table(rows: Sequence[Mapping[str, Any]]) -> str:
    if not rows:
        return '<p class="sub">No records in this period.</p>'
    body = "".join(
        f"<tr><td><span class=swatch style='--c:{COLOURS.get(r['outcome'], '#999')}'></span>"
        f"{_e(LABELS.get(r['outcome'], r['outcome']))}</td>"
        f"<td class=n>{_num(r['transactions'])}</td><td class=n>{_num(r['lines'])}</td>"
        f"<td class=n>{_values(r['values'])}</td></tr>"
        for r in rows
    )
    return (
        "<table><thead><tr><th>Outcome</th><th>Transactions</th><th>Lines</th><th>Value</th>"
        f"</tr></thead><tbody>{body}</tbody></table>"
    )


def _tile(n: Any, label: str, outcome: str | None = None) -> str:
    cls, style = ("tile sev", f' style="--c:{COLOURS[outcome]}"') if outcome else ("tile", "")
    return f'<div class="{cls}"{style}><b>{_num(n)}</b><span>{_e(label)}</span></div>'


def _section(title: str, *parts: str) -> str:
    return f"<section><h2>{_e(title)}</h2>{''.join(p for p in parts if p)}</section>"


def to_html(report: Mapping[str, Any]) -> str:
    """Render :func:`build_report` output as a standalone HTML page."""
    p, t = report["period"], report["totals"]
    out: list[str] = []
    period = f"{p['from'] or 'the first record'} to {p['to'] or 'the last record'}"
    out.append(
        f"<h1>Export-control transparency report</h1><p class=sub>Decisions recorded from "
        f"{_e(period)} · generated {_e(report['generated_at'])} by "
        f"{_e(report['generator'])}</p>"
    )
    v = report["ledger"]["verification"]
    if v is None:
        out.append('<div class="badge muted">Ledger integrity not checked for this report</div>')
    elif v["ok"]:
        out.append(
            f'<div class="badge ok">✔ Ledger intact: all {_num(v["checked"])} records verified '
            f"(hash chain head {v['head']['seq']}:{_e(v['head']['hash'][:16])}…)</div>"
        )
    else:
        out.append(
            f'<div class="badge bad">✘ Ledger check FAILED at record {_e(v["first_bad"])}: '
            f"{_e(v['reason'])}</div>"
        )
    by_out = {r["outcome"]: r for r in report["by_outcome"]}
    tiles = [
        _tile(t["transactions"], "transactions"),
        _tile(t["lines"], "order lines"),
        _tile(t["shipments"], "shipments recorded"),
        _tile(t.get("resolutions_applied", 0), "reviews resolved"),
    ]
    for o in ("prohibited", "license_required", "review", "authorised", "no_license_required"):
        tiles.append(_tile(by_out.get(o, {}).get("transactions", 0), LABELS[o].lower(), o))
    out.append(f'<div class="tiles">{"".join(tiles)}</div>')
    if t["values"]:
        out.append(
            f"<p class=sub>Order value: {_values(t['values']).replace('<br>', ' · ')}; shipped: "
            f"{_values(t['shipped_values']).replace('<br>', ' · ') or 'nothing'}</p>"
        )

    # 1 outcomes
    o_order, o_counts, _ = _pivot(report["by_outcome"], ["outcome"], "transactions")
    fig = _stacked(
        o_order,
        o_counts,
        lambda k: LABELS.get(k[0], k[0]),
        "Transactions by outcome",
        "transactions",
    )
    out.append(
        _section(
            "Outcomes",
            _figure(
                fig,
                "bar chart of transactions by outcome",
                "Each transaction counted once, at its most severe outcome.",
            ),
            _outcome_table(report["by_outcome"]),
        )
    )
    # 2 timeline
    tl_order, tl_counts, _ = _pivot(report["timeline"], ["period"], "transactions")
    fig = _timeline(tl_order, tl_counts, p["buckets"])
    out.append(
        _section(
            "Over time",
            _figure(
                fig,
                "stacked bars of transactions per period",
                f"Transactions per {p['buckets'][:-1]} of their last record, by outcome.",
            ),
        )
    )
    # 3 regimes
    order, counts, vals = _pivot(report["by_regime"], ["regime"])
    fig = _stacked(order, counts, lambda k: k[0].upper(), "Order lines by regime", "lines")
    out.append(
        _section(
            "By regime",
            _figure(
                fig,
                "stacked bars of lines by regime and outcome",
                "Lines to which each regime applied, by that regime's outcome.",
            ),
            _table(order, counts, vals, ["Regime"]),
        )
    )
    # 4 destinations
    order, counts, vals = _pivot(report["by_destination"], ["destination"])
    fig = _stacked(
        order, counts, lambda k: k[0], "Order lines by destination (largest 15)", "lines"
    )
    out.append(
        _section(
            "By destination",
            _figure(
                fig,
                "stacked bars of lines by destination",
                "Lines by destination country and outcome.",
            ),
            _table(order, counts, vals, ["Destination"]),
        )
    )
    # 5 item categories
    order, counts, vals = _pivot(report["by_item_category"], ["regime", "category", "label"])
    fig = _stacked(
        order,
        counts,
        lambda k: f"{k[0].upper()} {k[2][:60]}",
        "Order lines by item category",
        "lines",
        top=20,
    )
    out.append(
        _section(
            "By item category",
            _figure(
                fig,
                "stacked bars of lines by category",
                "Category of each line's code under each regime.",
            ),
            _table(order, counts, vals, ["Regime", "Category"], lambda k: [k[0], k[2]]),
        )
    )
    # 6 cyber-surveillance
    order, counts, vals = _pivot(report["cyber_surveillance"], ["destination"])
    fig = _stacked(
        order, counts, lambda k: k[0], "Cyber-surveillance items by destination", "lines"
    )
    out.append(
        _section(
            "Cyber-surveillance items",
            "<p class=sub>Lines tagged as cyber-surveillance items or found to be such by a regime."
            "</p>",
            _figure(
                fig,
                "stacked bars of cyber-surveillance lines by destination",
                "Cyber-surveillance lines by destination and outcome.",
            ),
            _table(order, counts, vals, ["Destination"]),
            "<h3>Art. 26(2)-style table (Regulation (EU) 2021/821)</h3>",
            _art26(report["art26_cyber_surveillance"]),
        )
    )
    # 7 end users
    order, counts, vals = _pivot(report["by_end_user_type"], ["end_user_type"])
    fig = _stacked(
        order, counts, lambda k: k[0].replace("_", " "), "Order lines by end-user type", "lines"
    )
    out.append(
        _section(
            "By end-user type",
            _figure(
                fig,
                "stacked bars of lines by end-user type",
                "Type of the end user named in the transaction.",
            ),
            _table(order, counts, vals, ["End-user type"]),
        )
    )
    # 8 reasons
    out.append(
        _section(
            "Reasons",
            "<p class=sub>The findings behind the outcomes: the rule, its "
            "provision, and how many lines and transactions it decided.</p>",
            _reasons(report["by_reason"]),
        )
    )
    # 9 licences
    out.append(
        _section("Licence usage", _licence_chart(report["licences"]), _licences(report["licences"]))
    )
    out.append(
        "<section><h2>Notes</h2><ul class=notes>"
        + "".join(f"<li>{_e(n)}</li>" for n in report["notes"])
        + "</ul></section>"
    )
    out.append("<footer>exportrules: decision support, not legal advice.</footer>")
    return (
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width, initial-scale=1'>"
        f"<title>Transparency report {_e(period)}</title><style>{_CSS}</style></head>"
        f"<body><main>{''.join(out)}</main></body></html>"
    )


def _timeline(
    order: Sequence[tuple[Any, ...]], counts: Mapping[tuple[Any, ...], Mapping[str, int]], unit: str
) -> Figure | None:
    if not order:
        return None
    periods = sorted(k[0] for k in order)
    fig = Figure(figsize=(9, 2.8))
    ax = fig.add_subplot()
    xs = list(range(len(periods)))
    bottom = [0] * len(periods)
    for o in OUTCOMES:
        h = [counts[(k,)].get(o, 0) for k in periods]
        if any(h):
            ax.bar(xs, h, bottom=bottom, color=COLOURS[o], label=LABELS[o], width=0.8)
            bottom = [a + b for a, b in zip(bottom, h)]
    step = max(1, len(periods) // 12)
    ax.set_xticks(xs[::step])
    ax.set_xticklabels(periods[::step], fontsize=8, rotation=30, ha="right")
    _margins(fig, ["transactions"], bottom=0.3)
    ax.set_ylabel("transactions")
    ax.set_title(f"Transactions per {unit[:-1]}", fontsize=11, loc="left", pad=22)
    ax.spines[["top", "right"]].set_visible(False)
    _legend(ax, len(ax.get_legend_handles_labels()[0]))
    ax.set_ylim(0, max(bottom) * 1.1 + 1)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    return fig


def _art26(rows: Sequence[Mapping[str, Any]]) -> str:
    if not rows:
        return "<p class=sub>No cyber-surveillance lines under the EU regime in this period.</p>"
    cols = [
        ("license_required", "Licence needed (application due)"),
        ("authorised", "Authorised"),
        ("review", "Held for review / notification"),
        ("prohibited", "Prohibited"),
        ("no_license_required", "No licence required"),
    ]
    head = (
        "<tr><th>Member State</th><th>Item</th><th>Destination</th><th>Lines</th>"
        + "".join(f"<th>{_e(h)}</th>" for _, h in cols)
        + "<th>Authorisation types</th><th>Value</th></tr>"
    )
    body = []
    for r in rows:
        o = r["outcomes"]
        kinds = ", ".join(f"{k}: {n}" for k, n in r["authorisation_types"].items())
        body.append(
            f"<tr><td>{_e(r['member_state'])}</td><td>{_e(r['item'])}</td>"
            f"<td>{_e(r['destination'])}</td><td class=n>{_num(r['lines'])}</td>"
            + "".join(f"<td class=n>{_num(o.get(k, 0)) if o.get(k) else ''}</td>" for k, _ in cols)
            + f"<td>{_e(kinds)}</td><td class=n>{_values(r['values'])}</td></tr>"
        )
    return f"<table><thead>{head}</thead><tbody>{''.join(body)}</tbody></table>"


def _reasons(rows: Sequence[Mapping[str, Any]], top: int = 60) -> str:
    if not rows:
        return '<p class="sub">No records in this period.</p>'
    head = (
        "<tr><th>Regime</th><th>Rule</th><th>Provision</th><th>Outcome</th>"
        "<th>Lines</th><th>Transactions</th></tr>"
    )
    body = []
    for r in rows[:top]:
        o = r["outcome"]
        reason = f" ({_e(r['reason'])})" if r.get("reason") else ""
        body.append(
            f"<tr><td>{_e(r['regime'])}</td><td>{_e(r['rule'])}{reason}</td>"
            f"<td>{_e(r['citation'])}</td><td><span class=swatch style='--c:"
            f"{COLOURS.get(o, '#999')}'></span>{_e(LABELS.get(o, o))}</td>"
            f"<td class=n>{_num(r['lines'])}</td><td class=n>{_num(r['transactions'])}</td></tr>"
        )
    more = (
        f"<p class=sub>{len(rows) - top} more rows in the CSV and JSON versions.</p>"
        if len(rows) > top
        else ""
    )
    return f"<table><thead>{head}</thead><tbody>{''.join(body)}</tbody></table>{more}"


def _share(b: Mapping[str, Any]) -> tuple[float | None, str]:
    lim, used = b.get("limits") or {}, b.get("used") or {}
    best: tuple[float | None, str] = (None, "no limit")
    if lim.get("quantity"):
        q = float(Decimal(used["quantity"]) / Decimal(lim["quantity"]))
        best = (q, f"{_num(used['quantity'])} of {_num(lim['quantity'])} units")
    if lim.get("value"):
        cur = lim.get("currency")
        u = Decimal((used.get("values") or {}).get(cur, "0"))
        s = float(u / Decimal(lim["value"]))
        if best[0] is None or s > best[0]:
            best = (s, f"{_num(u)} of {_num(lim['value'])} {cur}")
    return best


def _licence_chart(rows: Sequence[Mapping[str, Any]]) -> str:
    shown = [(r, _share(r["balance"])) for r in rows if r["balance"]]
    shown = [(r, s) for r, s in shown if s[0] is not None][:20]
    if not shown:
        return ""
    fig = Figure(figsize=(9, max(1.6, 0.36 * len(shown) + 1.1)))
    ax = fig.add_subplot()
    ys = list(range(len(shown)))[::-1]
    pct = [min(1.2, s[0] or 0.0) * 100 for _, s in shown]
    colours = ["#7f0000" if x >= 100 else "#f39c12" if x >= 80 else "#2c7fb8" for x in pct]
    ax.barh(ys, pct, color=colours, height=0.6)
    for y, (_, s), x in zip(ys, shown, pct):
        ax.text(x, y, f" {s[1]}", va="center", fontsize=8)
    ax.axvline(100, color="#555", lw=1, ls="--")
    ax.set_yticks(ys)
    names = [f"{r['regime'].upper()} {r['authorisation']}" for r, _ in shown]
    ax.set_yticklabels(names, fontsize=9)
    _margins(fig, names)
    ax.set_xlim(0, 150)
    ax.set_xlabel("share of the limit used (%)")
    ax.set_title("Licence limits used (all time)", fontsize=11, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return _figure(
        fig,
        "bar chart of the share of each licence limit used",
        "Dashed line: the limit. Orange from 80 %, dark red when used up.",
    )


def _licences(rows: Sequence[Mapping[str, Any]]) -> str:
    if not rows:
        return "<p class=sub>No shipments debited a held licence.</p>"
    head = (
        "<tr><th>Regime</th><th>Licence</th><th>Shipments in period</th>"
        "<th>Quantity in period</th><th>Value in period</th><th>Limit</th>"
        "<th>Used (all time)</th><th>Remaining</th><th>Status</th></tr>"
    )
    body = []
    for r in rows:
        b, p = r["balance"] or {}, r["period"]
        lim, used, rem = b.get("limits") or {}, b.get("used") or {}, b.get("remaining") or {}
        limit = (
            " · ".join(
                x
                for x in (
                    _units(lim["quantity"]) if lim.get("quantity") else "",
                    f"{_num(lim['value'])} {_e(lim.get('currency'))}" if lim.get("value") else "",
                )
                if x
            )
            or "none stated"
        )
        used_s = " · ".join(
            x
            for x in (
                _units(used.get("quantity")) if used else "",
                _values(used.get("values") or {}).replace("<br>", " · "),
            )
            if x
        )
        rem_s = (
            " · ".join(
                x
                for x in (
                    _units(rem["quantity"]) if rem.get("quantity") is not None else "",
                    f"{_num(rem['value'])} {_e(rem.get('currency'))}"
                    if rem.get("value") is not None
                    else "",
                )
                if x
            )
            or "—"
        )
        status = "<b style='color:#7f0000'>used up</b>" if b.get("exhausted") else "in use"
        body.append(
            f"<tr><td>{_e(r['regime'])}</td><td>{_e(r['authorisation'])}</td>"
            f"<td class=n>{_num(p['shipments'])}</td><td class=n>{_num(p['quantity'])}</td>"
            f"<td class=n>{_values(p['values'])}</td><td>{limit}</td><td>{used_s}</td>"
            f"<td>{rem_s}</td><td>{status}</td></tr>"
        )
    return f"<table><thead>{head}</thead><tbody>{''.join(body)}</tbody></table>"
