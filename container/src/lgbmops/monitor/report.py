"""The monitor step's HTML page: verdict, drift per feature, score drift, data quality.

Self-contained like the explain report, drawn with the same SVG helpers.
"""
from __future__ import annotations

from html import escape
from typing import Any

from ..explain.html import COLORS, STYLE, clip, hbars

REFERENCE_COLOUR = "#9e9e9e"
CURRENT_COLOUR = COLORS["bar"]
DRIFT_COLOUR = COLORS["group"]
DETAILED_FEATURES = 6  # the most drifted features get their buckets drawn


def render(drift: dict[str, Any]) -> str:
    title = f"{drift['endpoint_name']}: drift of {drift['dataset']}"
    window = drift["window"]
    rows = drift["rows"]
    parts = [f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
             f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>",
             f"<h1>{escape(title)}</h1>",
             f"<p class=\"muted\">Window {escape(window['start'])} to {escape(window['end'])}; "
             f"{rows['records']} captured requests in {rows['files']} files, "
             f"{rows['decoded']} rows decoded, {rows['schema_violations']} refused; "
             f"reference: {drift['reference_rows']} training rows. "
             f"PSI alarm limit {drift['psi_alarm']:g}.</p>"]
    if drift["status"] != "ok":
        parts.append(f"<h2>Not judged</h2><p class=\"box\">{escape(drift['reason'])}</p>")
        parts.append(_quality(drift))
    else:
        parts.append(_verdict(drift))
        parts.append(_psi_chart(drift))
        parts.append(_prediction(drift["prediction"]))
        parts.append(_quality(drift))
        parts.append(_details(drift))
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _verdict(drift: dict[str, Any]) -> str:
    drifted = drift["drifted_features"]
    prediction = drift["prediction"]
    lines = [f"max feature PSI: {drift['max_feature_psi']:.4f} "
             f"({escape(drift['max_feature_psi_feature'])})",
             f"prediction PSI: {prediction['psi']:.4f}"]
    if drifted or prediction["drifted"]:
        what = ", ".join(escape(n) for n in drifted) or "none"
        lines.append(f"<b class=\"fail\">DRIFT</b> above {drift['psi_alarm']:g}: features "
                     f"{what}; prediction {'yes' if prediction['drifted'] else 'no'}")
    else:
        lines.append(f"<b class=\"pass\">no drift</b> above {drift['psi_alarm']:g}")
    return "<h2>Verdict</h2><p class=\"box\">" + "<br>".join(lines) + "</p>"


def _psi_chart(drift: dict[str, Any]) -> str:
    ranked = sorted(drift["features"], key=lambda f: -f["psi"])
    scale = max(drift["psi_alarm"] * 2, ranked[0]["psi"])
    bars = [(f["name"], f["psi"], DRIFT_COLOUR if f["drifted"] else COLORS["bar"])
            for f in ranked]
    return ("<h2>PSI per feature</h2><p class=\"muted\">Red: above the alarm limit. "
            "Under 0.1 is usually read as stable, 0.1 to 0.25 as a moderate shift.</p>"
            + hbars(bars, scale, "PSI", lambda v: f"{v:.3f}"))


def _prediction(prediction: dict[str, Any]) -> str:
    what = ("positive-class probability" if prediction["kind"] == "positive_class_probability"
            else "predicted class")
    head = (f"<h2>Score drift</h2><p class=\"muted\">The live model's {what} on the captured "
            f"rows (blue) against its validation split (grey); PSI {prediction['psi']:.4f}"
            + (f", mean score {prediction['mean_score']:.4f}" if "mean_score" in prediction
               else "") + ".</p>")
    return head + _paired(prediction["buckets"])


def _paired(buckets: list[dict[str, Any]]) -> str:
    bars = []
    for bucket in buckets:
        bars.append((f"{bucket['bucket']} (ref)", bucket["reference"], REFERENCE_COLOUR))
        bars.append((f"{bucket['bucket']} (now)", bucket["current"], CURRENT_COLOUR))
    scale = max((v for _, v, _ in bars), default=1.0) or 1.0
    return hbars(bars, scale, "share of rows", lambda v: f"{v:.3f}")


def _quality(drift: dict[str, Any]) -> str:
    rows = drift["rows"]
    violations = "".join(f"<tr><td class=\"l\">{escape(k)}</td><td>{v}</td></tr>"
                         for k, v in drift["violations"].items())
    parts = ["<h2>Data quality</h2>",
             "<table><tr><th class=\"l\">figure</th><th>value</th></tr>"
             f"<tr><td class=\"l\">schema violation rate</td>"
             f"<td>{drift['schema_violation_rate']:.4f}</td></tr>"
             + (f"<tr><td class=\"l\">missing rate (reference)</td>"
                f"<td>{drift['missing_rate']:.4f} ({drift['reference_missing_rate']:.4f})</td></tr>"
                f"<tr><td class=\"l\">unseen category rate</td>"
                f"<td>{drift['unseen_category_rate']:.4f}</td></tr>"
                if drift["status"] == "ok" else "")
             + f"<tr><td class=\"l\">records outside the window</td>"
             f"<td>{rows['outside_window']}</td></tr>"
             f"<tr><td class=\"l\">malformed capture lines</td><td>{rows['malformed_records']}"
             f"</td></tr></table>",
             "<table><tr><th class=\"l\">refused rows</th><th>count</th></tr>"
             f"{violations}</table>"]
    examples = drift["violation_examples"] + drift["capture_problems"]
    if examples:
        parts.append("<p class=\"muted\">First problems:<br>"
                     + "<br>".join(escape(clip(e, 160)) for e in examples) + "</p>")
    return "\n".join(parts)


def _details(drift: dict[str, Any]) -> str:
    parts = ["<h2>Most shifted features</h2>"]
    ranked = sorted(drift["features"], key=lambda f: -f["psi"])[:DETAILED_FEATURES]
    for feature in ranked:
        facts = [f"PSI {feature['psi']:.4f}",
                 f"missing {feature['missing_rate']:.3f} (ref {feature['reference_missing_rate']:.3f})"]
        if "ks" in feature:
            facts.append(f"KS {feature['ks']:.4f}")
        if "unseen_rate" in feature:
            facts.append(f"unseen {feature['unseen_rate']:.3f}")
            if feature["top_unseen"]:
                facts.append("unseen levels: " + ", ".join(
                    f"{escape(clip(k, 30))} ({v})" for k, v in feature["top_unseen"].items()))
        parts.append(f"<h3>{escape(feature['name'])} ({feature['kind']})</h3>"
                     f"<p class=\"muted\">{'; '.join(facts)}</p>")
        buckets = [b for b in feature["buckets"] if b["reference"] > 0 or b["current"] > 0]
        parts.append(_paired(buckets[:24]))
    return "\n".join(parts)
