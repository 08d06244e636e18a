"""One self-contained HTML page of the explain step's results, pictures drawn as inline SVG.

No plotting library: the image carries none, and three kinds of bar chart do not need one.
Every text that comes from data (feature names, category levels) is escaped.
"""
from __future__ import annotations

from html import escape
from typing import Any, Sequence

TOP_FEATURES = 15
BAR_WIDTH = 360  # pixels for the longest bar
ROW_HEIGHT = 22
LABEL_WIDTH = 210
COLORS = {"bar": "#3b6ea8", "group": "#c0504d", "rest": "#7f7f7f", "up": "#c0504d",
          "down": "#3b6ea8"}

STYLE = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;color:#222;max-width:1000px}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd}h3{font-size:15px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px;text-align:right}
th{background:#f3f3f3}td.l,th.l{text-align:left}.muted{color:#777}.pass{color:#2e7d32}.fail{color:#c62828}
.box{border:1px solid #ccc;padding:8px 12px;background:#fafafa;display:inline-block}
svg text{font-size:12px;font-family:inherit}
"""


def render(title: str, explainability: dict[str, Any], bias_doc: dict[str, Any],
           policy: dict[str, float] | None = None, drift: dict[str, Any] | None = None) -> str:
    """The page; `policy` (`min_di`, `max_abs_dppl`) only colours the gate summary; `drift`
    (drift.json) adds the comparison with the last approved package."""
    parts = [f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
             f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>",
             f"<h1>{escape(title)}</h1>",
             f"<p class=\"muted\">{escape(explainability['method'])}; "
             f"{explainability['rows_explained']} of {explainability['rows_in_split']} test rows "
             f"explained; SHAP values in {escape(explainability['output_meaning'])} units.</p>"]
    parts.append(_gate(bias_doc, policy))
    parts.append(_bias(bias_doc))
    parts.append(_importance(explainability))
    parts.append(_local(explainability))
    if drift is not None:
        parts.append(_drift(drift))
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _gate(doc: dict[str, Any], policy: dict[str, float] | None) -> str:
    gate = doc["gate"]
    if not gate["measured"]:
        return (f"<h2>Bias gate</h2><p class=\"box\">Nothing measured: "
                f"{escape(gate['reason'])}. The gate passes.</p>")
    lines = []
    for metric, key, facet_key, limit_key, ok in (
            ("DI", "worst_di", "worst_di_facet", "min_di", lambda v, l: v >= l),
            ("|DPPL|", "worst_abs_dppl", "worst_abs_dppl_facet", "max_abs_dppl",
             lambda v, l: v <= l)):
        text = f"worst {metric}: {gate[key]:.4f} ({escape(gate[facet_key])})"
        if policy is not None and limit_key in policy:
            passed = ok(gate[key], policy[limit_key])
            bound = ">=" if limit_key == "min_di" else "<="
            text += (f" — policy {bound} {policy[limit_key]:g}: <b class=\""
                     f"{'pass' if passed else 'fail'}\">{'pass' if passed else 'FAIL'}</b>")
        lines.append(text)
    if gate["reason"]:
        lines.append(f"<span class=\"muted\">{escape(gate['reason'])}</span>")
    return "<h2>Bias gate</h2><p class=\"box\">" + "<br>".join(lines) + "</p>"


def _bias(doc: dict[str, Any]) -> str:
    parts = ["<h2>Bias by facet</h2>"]
    post = doc["post_training_bias_metrics"]
    parts.append(f"<p class=\"muted\">Class of interest: {escape(post['label'])} = "
                 f"{escape(str(post['label_value_or_threshold']))}; predicted label: "
                 f"{escape(doc['predicted_label'])}. d = the facet's group, a = the rest. "
                 f"Rates on fewer than {doc['min_group_rows']} rows are not judged.</p>")
    if not doc["groups"]:
        parts.append("<p>The dataset contract declares no fairness facet.</p>")
    pre_metrics = doc["pre_training_bias_metrics"]["facets"]
    for column, groups in doc["groups"].items():
        for index, group in enumerate(groups):
            metrics = (pre_metrics[column][index]["metrics"]
                       + post["facets"][column][index]["metrics"])
            parts.append(f"<h3>{escape(group['group'])}</h3>")
            parts.append(_rates_chart(group))
            parts.append(_group_table(group))
            parts.append(_metrics_table(metrics))
    return "\n".join(parts)


def _rates_chart(group: dict[str, Any]) -> str:
    bars = []
    for key, label, colour in (("facet_group", f"d: {group['group']}", COLORS["group"]),
                               ("rest", "a: the rest", COLORS["rest"])):
        counts = group[key]
        for rate, what in (("labelled_positive_rate", "labelled"),
                           ("predicted_positive_rate", "predicted")):
            bars.append((f"{label} — {what}", counts[rate], colour))
    return hbars(bars, 1.0, "positive rate", lambda v: f"{v:.3f}")


def _group_table(group: dict[str, Any]) -> str:
    head = ("<tr><th class=\"l\">group</th><th>rows</th><th>labelled positive</th>"
            "<th>predicted positive</th><th>true positive</th><th>correct</th></tr>")
    rows = []
    for key, name in (("facet_group", f"d: {group['group']}"), ("rest", "a: the rest")):
        c = group[key]
        rows.append(f"<tr><td class=\"l\">{escape(name)}</td><td>{c['rows']}</td>"
                    f"<td>{c['labelled_positive']}</td><td>{c['predicted_positive']}</td>"
                    f"<td>{c['true_positive']}</td><td>{c['correct']}</td></tr>")
    return f"<table>{head}{''.join(rows)}</table>"


def _metrics_table(metrics: Sequence[dict[str, Any]]) -> str:
    rows = []
    for m in metrics:
        value = (f"{m['value']:.4f}" if m["value"] is not None
                 else f"<span class=\"muted\">{escape(m.get('error', 'n/a'))}</span>")
        rows.append(f"<tr><td class=\"l\">{escape(m['description'])}</td><td>{value}</td></tr>")
    return f"<table><tr><th class=\"l\">metric</th><th>value</th></tr>{''.join(rows)}</table>"


def _importance(doc: dict[str, Any]) -> str:
    parts = ["<h2>Global feature importance (mean |SHAP|)</h2>"]
    for key, entry in doc["explanations"]["tree_shap"].items():
        ranked = sorted(entry["global_shap_values"].items(), key=lambda kv: -kv[1])
        top = ranked[:TOP_FEATURES]
        parts.append(f"<h3>{escape(key)}: {escape(entry['class'])} "
                     f"<span class=\"muted\">(expected raw score "
                     f"{entry['expected_value']:.4f})</span></h3>")
        scale = top[0][1] if top and top[0][1] > 0 else 1.0
        parts.append(hbars([(n, v, COLORS["bar"]) for n, v in top], scale, "mean |SHAP|",
                            lambda v: f"{v:.4f}"))
        if len(ranked) > TOP_FEATURES:
            parts.append(f"<p class=\"muted\">{len(ranked) - TOP_FEATURES} more features in "
                         f"explainability.json.</p>")
    return "\n".join(parts)


def _local(doc: dict[str, Any]) -> str:
    parts = ["<h2>Local explanations</h2>",
             "<p class=\"muted\">Each bar is a feature's contribution to the row's raw score; "
             "the expected value plus all contributions is the raw score. The largest "
             "contributions are shown.</p>"]
    expected = {k: e["expected_value"] for k, e in doc["explanations"]["tree_shap"].items()}
    for item in doc["local_explanations"]:
        for key, output in item["outputs"].items():
            ranked = sorted(output["shap_values"].items(), key=lambda kv: -abs(kv[1]))[:8]
            parts.append(
                f"<h3>test row {item['row']} (label {escape(str(item['label']))}), {escape(key)}: "
                f"raw score {output['raw_score']:.4f} = expected {expected[key]:.4f} + "
                f"{sum(output['shap_values'].values()):.4f}</h3>")
            bars = [(f"{name} = {_show(item['features'].get(name))}", value,
                     COLORS["up"] if value >= 0 else COLORS["down"]) for name, value in ranked]
            parts.append(_diverging(bars))
    return "\n".join(parts)


def _drift(doc: dict[str, Any]) -> str:
    parts = ["<h2>Change since the last approved model</h2>"]
    if doc["status"] != "compared":
        parts.append(f"<p class=\"box\">Not compared: {escape(doc['reason'])}.</p>")
        return "\n".join(parts)
    parts.append(f"<p class=\"muted\">Against {escape(doc['baseline_package'] or 'the approved package')}"
                 f"; top {doc['top_k']} features by mean |SHAP|.</p>")
    for key, output in doc["feature_ranking"].items():
        parts.append(f"<h3>{escape(key)}: {escape(str(output['class']))}</h3>")
        if output["status"] != "compared":
            parts.append(f"<p>{escape(output['reason'])}</p>")
            continue
        rho = output["spearman"]
        rows = "".join(
            f"<tr><td>{i + 1}</td><td class=\"l\">{escape(before)}</td><td class=\"l\">{escape(now)}</td></tr>"
            for i, (before, now) in enumerate(zip(output["top_k_before"], output["top_k_now"])))
        parts.append(f"<table><tr><th>rank</th><th class=\"l\">approved</th><th class=\"l\">this model</th>"
                     f"</tr>{rows}</table>")
        parts.append(f"<p>entered the top {doc['top_k']}: {escape(', '.join(output['entered']) or 'none')}; "
                     f"left it: {escape(', '.join(output['left']) or 'none')}; rank correlation "
                     f"(Spearman, all features): {'n/a' if rho is None else f'{rho:.3f}'}.</p>")
    rows = []
    for section, title in (("pre_training_bias_metrics", "pre-training"),
                           ("post_training_bias_metrics", "post-training")):
        for column, groups in doc["bias"][section]["facets"].items():
            for group in groups:
                name = f"{column}={group['value_or_threshold']}"
                if group["status"] != "compared":
                    rows.append(f"<tr><td class=\"l\">{escape(name)}</td><td class=\"l\">{title}</td>"
                                f"<td class=\"l\" colspan=\"4\">{escape(group['status'])}</td></tr>")
                    continue
                for m in group["metrics"]:
                    rows.append(f"<tr><td class=\"l\">{escape(name)}</td><td class=\"l\">{title}</td>"
                                f"<td class=\"l\">{escape(m['name'])}</td><td>{_number(m['before'])}</td>"
                                f"<td>{_number(m['now'])}</td><td>{_number(m['change'], signed=True)}</td></tr>")
    if rows:
        parts.append("<h3>Bias metrics</h3><table><tr><th class=\"l\">facet</th><th class=\"l\">stage</th>"
                     "<th class=\"l\">metric</th><th>approved</th><th>this model</th><th>change</th></tr>"
                     + "".join(rows) + "</table>")
    return "\n".join(parts)


def _number(value: Any, signed: bool = False) -> str:
    if not isinstance(value, (int, float)):
        return "<span class=\"muted\">n/a</span>"
    return f"{value:+.4f}" if signed else f"{value:.4f}"


def _show(value: Any) -> str:
    return "missing" if value is None else str(value)


def hbars(bars: list[tuple[str, float | None, str]], scale: float, axis: str,
           fmt) -> str:
    height = ROW_HEIGHT * len(bars) + 24
    width = LABEL_WIDTH + BAR_WIDTH + 80
    items = []
    for i, (label, value, colour) in enumerate(bars):
        y = i * ROW_HEIGHT
        items.append(f"<text x=\"{LABEL_WIDTH - 6}\" y=\"{y + 15}\" text-anchor=\"end\">"
                     f"{escape(clip(label))}</text>")
        if value is None:
            items.append(f"<text x=\"{LABEL_WIDTH + 4}\" y=\"{y + 15}\" fill=\"#777\">n/a</text>")
            continue
        length = max(0.0, min(1.0, value / scale)) * BAR_WIDTH
        items.append(f"<rect x=\"{LABEL_WIDTH}\" y=\"{y + 3}\" width=\"{length:.1f}\" "
                     f"height=\"{ROW_HEIGHT - 6}\" fill=\"{colour}\"/>")
        items.append(f"<text x=\"{LABEL_WIDTH + length + 4:.1f}\" y=\"{y + 15}\">"
                     f"{escape(fmt(value))}</text>")
    axis_y = ROW_HEIGHT * len(bars) + 2
    items.append(f"<line x1=\"{LABEL_WIDTH}\" y1=\"0\" x2=\"{LABEL_WIDTH}\" y2=\"{axis_y}\" "
                 f"stroke=\"#333\"/>")
    items.append(f"<text x=\"{LABEL_WIDTH}\" y=\"{axis_y + 16}\" fill=\"#777\">"
                 f"{escape(axis)} (0 to {scale:.3g})</text>")
    return (f"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" "
            f"role=\"img\">{''.join(items)}</svg>")


VALUE_WIDTH = 56  # room for a bar's value beside it


def _diverging(bars: list[tuple[str, float, str]]) -> str:
    half = BAR_WIDTH / 2
    centre = LABEL_WIDTH + 60 + VALUE_WIDTH + half
    scale = max((abs(v) for _, v, _ in bars), default=1.0) or 1.0
    height = ROW_HEIGHT * len(bars) + 8
    width = LABEL_WIDTH + 60 + VALUE_WIDTH + BAR_WIDTH + VALUE_WIDTH
    items = []
    for i, (label, value, colour) in enumerate(bars):
        y = i * ROW_HEIGHT
        length = abs(value) / scale * half
        x = centre if value >= 0 else centre - length
        items.append(f"<text x=\"{LABEL_WIDTH + 50}\" y=\"{y + 15}\" text-anchor=\"end\">"
                     f"{escape(clip(label, 40))}</text>")
        items.append(f"<rect x=\"{x:.1f}\" y=\"{y + 3}\" width=\"{length:.1f}\" "
                     f"height=\"{ROW_HEIGHT - 6}\" fill=\"{colour}\"/>")
        tx = centre + length + 4 if value >= 0 else centre - length - 4
        anchor = "start" if value >= 0 else "end"
        items.append(f"<text x=\"{tx:.1f}\" y=\"{y + 15}\" text-anchor=\"{anchor}\">"
                     f"{value:+.3f}</text>")
    items.append(f"<line x1=\"{centre:.1f}\" y1=\"0\" x2=\"{centre:.1f}\" "
                 f"y2=\"{height - 4}\" stroke=\"#333\"/>")
    return (f"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" "
            f"role=\"img\">{''.join(items)}</svg>")


def clip(text: str, limit: int = 34) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
