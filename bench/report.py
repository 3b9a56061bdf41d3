"""Turns the sections' results into one table of rows: section, measure, value, target, status.
Printed as aligned text, and as Markdown for bench/RESULTS.md."""

from __future__ import annotations

from typing import Any

Row = tuple[str, str, str, str, str]  # section, measure, value, target, status


def _status(ok: bool) -> str:
    return "met" if ok else "MISSED"


def _kb(n: float) -> str:
    return f"{n / 1024:.1f} KB" if n >= 1024 else f"{n:.0f} B"


def overhead_rows(rows: list[dict[str, Any]]) -> list[Row]:
    out: list[Row] = []
    for r in rows:
        m = f"{r['model']} ({r['ops']} ops)"
        out.append(("capture", f"{m}: plain forward", f"{r['plain_ms']:.1f} ms", "", ""))
        target = r["model"] in ("resnet18", "gpt2")
        out.append(
            (
                "capture",
                f"{m}: lens(save='all')",
                f"{r['lens_ratio']:.2f}x plain",
                "≤ 1.5x" if target else "",
                _status(r["lens_ratio"] <= 1.5) if target else "",
            )
        )
        if "torchlens_error" in r:
            out.append(("capture", f"{m}: torchlens", f"failed: {r['torchlens_error']}", "", ""))
            out.append(("capture", f"{m}: lens vs torchlens", "n/a", "≥ 8x faster", "n/a"))
            continue
        tl_ops = f" ({r['torchlens_ops']} ops)" if r.get("torchlens_ops") else ""
        value = f"{r['torchlens_ratio']:.2f}x plain{tl_ops}"
        out.append(("capture", f"{m}: torchlens.trace", value, "", ""))
        speedup = 1 / r["lens_vs_torchlens"]
        out.append(
            (
                "capture",
                f"{m}: lens vs torchlens ({r['reps']} rounds)",
                f"{speedup:.1f}x faster",
                "≥ 8x faster",
                _status(speedup >= 8),
            )
        )
    return out


def scaling_rows(rows: list[dict[str, Any]]) -> list[Row]:
    out: list[Row] = []
    for r in rows:
        pts = r["points"]
        sizes = " / ".join(f"{p['ops'] // 1000}k" for p in pts)
        times = " / ".join(f"{p['lens_ms'] / 1e3:.2f}" for p in pts)
        per_op = " / ".join(f"{p['us_per_op']:.0f}" for p in pts)
        value = f"{times} s ({per_op} µs/op)"
        out.append(("scaling", f"{r['model']}, {sizes} ops: lens", value, "", ""))
        slope = f"{r['exponent']:.2f}"
        out.append(
            ("scaling", f"{r['model']}: exponent", slope, "≤ 1.1", _status(r["exponent"] <= 1.1))
        )
    return out


def memory_rows(rows: list[dict[str, Any]]) -> list[Row]:
    out: list[Row] = []
    for r in rows:
        m = f"{r['model']} ({r['ops']} ops)"
        per_op = r["metadata_bytes_per_op"]
        out.append(
            ("memory", f"{m}: metadata per op", _kb(per_op), "≤ 2 KB", _status(per_op <= 2048))
        )
        ratio = r["peak_ratio"]
        value = f"{ratio:.2f}x plain" if ratio else "n/a"
        value += f" ({r['lens_peak_mb']:.0f} vs {r['plain_peak_mb']:.0f} MB)"
        out.append(("memory", f"{m}: peak RSS, full capture", value, "", ""))
    return out


def validation_rows(r: dict[str, Any]) -> list[Row]:
    measure = f"{r['model']}: h.validate()"
    if "ratio" not in r:
        return [("validation", measure, r["status"], "", "")]
    verdict = "passed" if r["passed"] else f"{r['failures']} failures"
    if r["skipped"]:
        verdict += f"; skipped: {', '.join(r['skipped'])}"
    return [
        ("validation", measure, f"{r['ratio']:.2f}x plain ({verdict})", "", ""),
        (
            "validation",
            f"{r['model']}: lens(keep_args=True)",
            f"{r['capture_ratio']:.2f}x plain",
            "",
            "",
        ),
    ]


def frontend_rows(
    draw: dict[str, Any] | None, widget: dict[str, Any] | None, wire: list[dict[str, Any]] | None
) -> list[Row]:
    """Rows for the parts measured in this run (None: not measured, e.g. `--only`)."""
    out: list[Row] = []
    if draw is None:
        pass
    elif "error" in draw:
        out.append(
            ("front end", "graph drawing (frontend_graph.mjs)", f"failed: {draw['error']}", "", "")
        )
    else:
        g = f"{draw['ops'] // 1000}k-op synthetic graph"
        redraw = draw["redraw_ms_fit_min_zoom"]["median"]
        for measure, value in [
            (f"{g}: first draw", f"{draw['first_draw_ms']} ms"),
            (f"{g}: expand one group", f"{draw['expand_one_group_ms']} ms"),
            (f"{g}: full layout (worker)", f"{draw['full_layout_ms']} ms"),
            (f"{g}: full draw", f"{draw['full_draw_ms']} ms"),
        ]:
            out.append(("front end", measure, value, "", ""))
        measure = f"{g}: redraw, {draw['visible_nodes']} visible"
        value = f"{redraw} ms ({draw['renderer']})"
        out.append(("front end", measure, value, "≤ 16 ms", _status(redraw <= 16)))
    if widget is None:
        pass
    elif "error" in widget:
        out.append(("front end", "widget ESM size", widget["error"], "≤ 300 KB", "n/a"))
    else:
        value = f"{_kb(widget['bytes'])} (gzip {_kb(widget['gzip_bytes'])})"
        out.append(
            (
                "front end",
                "widget ESM size",
                value,
                "≤ 300 KB",
                _status(widget["bytes"] <= 300 * 1024),
            )
        )
    for r in wire or []:
        per_op = r["bytes_per_op"]
        form = r.get("form", "compact")
        measure = f"{r['model']} ({r['ops']} ops): synced state per op ({form} form)"
        out.append(("front end", measure, f"{per_op:.0f} B", "≤ 300 B", _status(per_op <= 300)))
    return out


HEADER: Row = ("section", "measure", "value", "target", "status")


def text_table(rows: list[Row]) -> str:
    widths = [max(len(r[i]) for r in [HEADER, *rows]) for i in range(len(HEADER))]
    lines = []
    for n, row in enumerate([HEADER, *rows]):
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)
