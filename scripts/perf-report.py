#!/usr/bin/env python3
"""Renders docs/PERFORMANCE.md (and docs/perf-soak.svg) from what
scripts/perf-report.sh measured: WORK/results (key=value lines),
WORK/bench-*.txt (the benches' output) and WORK/window.json (the last line of
scripts/window-figures.sh), when present.

Usage: scripts/perf-report.py WORK DOCS_DIR
"""

import json
import re
import sys
from pathlib import Path

MIB = 1024 * 1024
OK, SHORT = "✅", "❌"


def read_results(work):
    out = {}
    for line in (work / "results").read_text().splitlines():
        key, _, value = line.partition("=")
        out[key] = value
    return out


def triple(value):
    """'median,min,max' as three numbers."""
    parts = [float(x) for x in value.split(",")]
    return parts[0], parts[1], parts[2]


BENCH_LINE = re.compile(
    r"^\s*(?P<what>.+?): p50 (?P<p50>[\d.]+) ms, p95 (?P<p95>[\d.]+) ms, "
    r"max (?P<max>[\d.]+) ms \((?P<n>\d+) \w+\)"
)


def read_bench(path):
    """Each timed line of a bench's output: (heading, what, p50, p95, max, n)."""
    rows, heading = [], ""
    if not path.exists():
        return rows
    for line in path.read_text().splitlines():
        m = BENCH_LINE.match(line)
        if m:
            what = m["what"].strip()
            if line.startswith("  ") and heading:
                what = f"{heading} — {what}"
            rows.append((what, float(m["p50"]), float(m["p95"]), float(m["max"]), int(m["n"])))
        elif line.rstrip().endswith(":"):
            heading = line.strip().rstrip(":")
    return rows


def mib(kb):
    return kb / 1024


def fmt(x, digits=0):
    return f"{x:,.{digits}f}"


def mark(ok):
    return OK if ok else SHORT


def soak_svg(samples, floor_mib, limit_mib):
    """A line plot of PSS (MiB) against minutes, with the floor and the goal."""
    width, height, left, right, top, bottom = 720, 360, 64, 20, 20, 44
    xs = [s["minute"] for s in samples]
    ys = [s["pss_mb"] for s in samples]
    x_max = max(max(xs), 1)
    y_lo = min(min(ys), floor_mib) * 0.9
    y_hi = max(max(ys), limit_mib) * 1.05

    def px(x):
        return left + (width - left - right) * x / x_max

    def py(y):
        return top + (height - top - bottom) * (1 - (y - y_lo) / (y_hi - y_lo))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="#fffdf8"/>',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" stroke="#444"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" stroke="#444"/>',
    ]
    for i in range(6):
        y = y_lo + (y_hi - y_lo) * i / 5
        parts.append(f'<text x="{left - 6}" y="{py(y) + 4:.1f}" text-anchor="end">{y:.0f}</text>')
        parts.append(f'<line x1="{left}" y1="{py(y):.1f}" x2="{width - right}" y2="{py(y):.1f}" stroke="#eee"/>')
    for i in range(6):
        x = x_max * i / 5
        label = f"{x:.1f}".rstrip("0").rstrip(".")
        parts.append(f'<text x="{px(x):.1f}" y="{height - bottom + 16}" text-anchor="middle">{label}</text>')
    parts.append(f'<text x="{(left + width - right) / 2}" y="{height - 8}" text-anchor="middle">minutes</text>')
    parts.append(f'<text x="14" y="{top + 10}" transform="rotate(-90 14 {top + 10})" text-anchor="end">PSS, MiB</text>')
    for value, colour, label in (
        (limit_mib, "#b3261e", f"goal: floor + 100 MiB ({limit_mib:.0f})"),
        (floor_mib, "#777", f"floor idle ({floor_mib:.0f})"),
    ):
        parts.append(
            f'<line x1="{left}" y1="{py(value):.1f}" x2="{width - right}" y2="{py(value):.1f}" '
            f'stroke="{colour}" stroke-dasharray="6 4"/>'
        )
        parts.append(f'<text x="{width - right - 4}" y="{py(value) - 5:.1f}" text-anchor="end" fill="{colour}">{label}</text>')
    points = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in zip(xs, ys))
    parts.append(f'<polyline points="{points}" fill="none" stroke="#a0522d" stroke-width="2"/>')
    for x, y in zip(xs, ys):
        parts.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="#a0522d"/>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def growth_per_day(samples):
    """Least-squares slope of PSS over minutes, as a share of the fitted
    value at the first sample, extrapolated to a day (1,440 minutes)."""
    xs = [float(s["minute"]) for s in samples]
    ys = [float(s["pss_mb"]) for s in samples]
    n = len(xs)
    if n < 2 or max(xs) == min(xs):
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
    start = my + slope * (xs[0] - mx)
    return slope, slope * 1440 / start * 100


def main():
    work, docs = Path(sys.argv[1]), Path(sys.argv[2])
    r = read_results(work)
    runs, model_runs = r["hearth_runs"], r["model_runs"]
    idle = r["idle_s"]

    floor_ms, floor_ms_lo, floor_ms_hi = triple(r["floor_startup_ms"])
    app_ms, app_ms_lo, app_ms_hi = triple(r["hearth_startup_ms"])
    floor_kb, floor_kb_lo, floor_kb_hi = triple(r["floor_pss_kb"])
    app_kb, app_kb_lo, app_kb_hi = triple(r["hearth_pss_kb"])
    model_kb, model_kb_lo, model_kb_hi = triple(r["model_pss_kb"])
    chrome_kb, chrome_kb_lo, chrome_kb_hi = triple(r["chromium_pss_kb"])
    model_file = int(r["model_file_bytes"])
    floor_deb, app_deb = int(r["floor_deb_bytes"]), int(r["hearth_deb_bytes"])
    floor_mib = mib(floor_kb)

    rows = []  # figure, value, goal, floor, ratio or difference, mark

    ratio = app_ms / floor_ms if floor_ms else float("inf")
    rows.append((
        "Start-up: `main` → the page's first command (median)",
        f"{fmt(app_ms)} ms ({fmt(app_ms_lo)}–{fmt(app_ms_hi)})",
        "≤ 1.10 × floor",
        f"{fmt(floor_ms)} ms ({fmt(floor_ms_lo)}–{fmt(floor_ms_hi)})",
        f"{ratio:.2f} ×",
        mark(ratio <= 1.10),
    ))
    diff = mib(app_kb - floor_kb)
    rows.append((
        f"Idle memory, PSS of all processes, {idle} s after ready (median)",
        f"{fmt(mib(app_kb))} MiB ({fmt(mib(app_kb_lo))}–{fmt(mib(app_kb_hi))})",
        "≤ floor + 40 MiB",
        f"{fmt(floor_mib)} MiB ({fmt(mib(floor_kb_lo))}–{fmt(mib(floor_kb_hi))})",
        f"{diff:+,.0f} MiB",
        mark(diff <= 40),
    ))
    diff = mib(model_kb - floor_kb)
    allowed = model_file / MIB + 50
    rows.append((
        f"Idle memory with the chat model loaded (median of {model_runs})",
        f"{fmt(mib(model_kb))} MiB ({fmt(mib(model_kb_lo))}–{fmt(mib(model_kb_hi))})",
        f"≤ floor + model file ({model_file / MIB:.0f} MiB) + 50 MiB",
        f"{fmt(floor_mib)} MiB",
        f"{diff:+,.0f} MiB (allowed {allowed:+,.0f})",
        mark(diff <= allowed),
    ))
    deb_ratio = app_deb / floor_deb
    rows.append((
        "`.deb` size",
        f"{app_deb / MIB:.2f} MiB",
        "≤ 3 × floor",
        f"{floor_deb / MIB:.2f} MiB",
        f"{deb_ratio:.2f} ×",
        mark(deb_ratio <= 3),
    ))

    # Search, recall and prompt building.
    quick = r.get("bench_quick") == "1"
    bench = read_bench(work / "bench-search.txt") + read_bench(work / "bench-recall.txt")
    size = "100000" if quick else "1000000"

    def pick(pattern):
        for row in bench:
            if re.search(pattern, row[0]) and size in row[0].replace(",", ""):
                return row
        return None

    for label, pattern in (
        ("Search everything p95 (all kinds of query together)", r"search everything .*all kinds together"),
        ("Recall p95 (BM25)", r"^recall over"),
        ("Recall p95 (BM25 + vectors)", r"^hybrid recall"),
        ("Prompt building p95 (8,192-token context)", r"^prompt \(8192"),
        ("Prompt building p95 (128,000-token context)", r"^prompt \(128000"),
        ("Prompt building p95 (BM25 + vectors, 8,192 tokens)", r"^hybrid prompt"),
    ):
        row = pick(pattern)
        at = "10^5" if quick else "10^6"
        if row is None:
            why = "skipped: `--no-benches`" if r.get("bench_skipped") else "bench output missing"
            rows.append((f"{label}, {at} messages", f"not measured ({why})", "< 20 ms", "—", "—", "—"))
        else:
            rows.append((f"{label}, {at} messages", f"{row[2]:.2f} ms (p50 {row[1]:.2f})", "< 20 ms", "—", "—", mark(row[2] < 20)))

    # In the window, and the soak.
    window, window_note = None, r.get("window_missing")
    wpath = work / "window.json"
    if wpath.exists():
        try:
            window = json.loads(wpath.read_text())
        except json.JSONDecodeError as e:
            window_note = f"not measured (scripts/window-figures.sh's last line is not JSON: {e})"
    soak_lines = []
    if window is None:
        note = window_note or "not measured"
        for label, goal in (
            ("Streaming 20,000 tokens at 200 tokens/s: longest main-thread task", "≤ 16 ms"),
            ("Streaming: last 10% of tokens' cost over the first 10%'s", "≤ 1.5"),
            ("Opening a 1,000-message conversation", "< 200 ms"),
            ("The Diary with 10^5 moments: first paint", "< 100 ms"),
            ("Soak: PSS at the end", "≤ floor + 100 MiB"),
            ("Soak: growth extrapolated to a day", "< 10 % a day"),
        ):
            rows.append((label, note, goal, "—", "—", "—"))
    else:
        def num(key):
            v = window.get(key)
            return float(v) if isinstance(v, (int, float)) else None

        for label, key, goal, limit, strict in (
            ("Streaming 20,000 tokens at 200 tokens/s: longest main-thread task", "stream_longest_task_ms", "≤ 16 ms", 16, False),
            ("Streaming: last 10% of tokens' cost over the first 10%'s", "stream_last_over_first", "≤ 1.5", 1.5, False),
            ("Opening a 1,000-message conversation", "open_1000_ms", "< 200 ms", 200, True),
            ("The Diary with 10^5 moments: first paint", "diary_1e5_first_paint_ms", "< 100 ms", 100, True),
        ):
            v = num(key)
            unit = "" if key == "stream_last_over_first" else " ms"
            if v is None:
                rows.append((label, f"not measured (no `{key}`)", goal, "—", "—", "—"))
            else:
                ok = v < limit if strict else v <= limit
                rows.append((label, f"{v:,.2f}{unit}", goal, "—", "—", mark(ok)))
        samples = [s for s in window.get("soak") or [] if "minute" in s and "pss_mb" in s]
        if samples:
            end = float(samples[-1]["pss_mb"])
            rows.append((
                f"Soak: PSS at the end ({samples[-1]['minute']} min)",
                f"{end:,.0f} MiB",
                "≤ floor + 100 MiB",
                f"{floor_mib:,.0f} MiB",
                f"{end - floor_mib:+,.0f} MiB",
                mark(end - floor_mib <= 100),
            ))
            # The second half: start-up and the first views' caches are
            # warm-up, not growth; the fit over all samples is shown too.
            growth = growth_per_day(samples[len(samples) // 2 :])
            overall = growth_per_day(samples)
            if growth is None:
                rows.append(("Soak: growth extrapolated to a day", "not enough samples", "< 10 % a day", "—", "—", "—"))
            else:
                slope, pct = growth
                rows.append((
                    "Soak: growth extrapolated to a day",
                    f"{pct:+.1f} % a day ({slope * 60:+.2f} MiB an hour; over all samples "
                    f"{overall[1]:+.1f} % a day)",
                    "< 10 % a day", "—", "—", mark(pct < 10),
                ))
            (docs / "perf-soak.svg").write_text(soak_svg(samples, floor_mib, floor_mib + 100))
            soak_lines = [
                "",
                "## The soak",
                "",
                f"PSS summed over Hearth's processes, sampled every minute while it was driven through "
                f"WebDriver ({len(samples)} samples); the daily growth is the least-squares slope over the "
                "second half of the samples (after warm-up), as a share of the fitted value at the "
                "first of them, times the minutes in a day; the same fit over all samples is shown "
                "beside it.",
                "",
                "![PSS over the soak](perf-soak.svg)",
                "",
                "| minute | PSS (MiB) |",
                "|---:|---:|",
            ] + [f"| {s['minute']} | {float(s['pss_mb']):,.1f} |" for s in samples]
        else:
            rows.append(("Soak", "not measured (no `soak` samples)", "≤ floor + 100 MiB, < 10 % a day", "—", "—", "—"))

    mins = lambda key: f"{int(r.get(key, '0')) / 60:.1f} min"  # noqa: E731
    out = [
        "# Performance",
        "",
        "Written by `scripts/perf-report.sh` (do not edit by hand: run it again). Every figure "
        "stands beside its goal and beside the floors measured in the same run on the same machine:",
        "",
        "- **the floor**: a bare Tauri 2 window with Hearth's crate set (tauri, tokio, rusqlite "
        "bundled, reqwest with rustls, keyring, chrono, candle, tokenizers, llama.cpp, with Hearth's features) "
        "and a static page that makes one IPC call on load (`perf/floor`), built in release, with "
        "its own `.deb` from the Tauri bundler;",
        "- **the Electron class**: a hello-world page in Chromium's app mode "
        "(`chromium --app=file://…`, fresh profile, no first-run, background networking, "
        "component updates or sync).",
        "",
        "## The machine",
        "",
        "| | |",
        "|---|---|",
        f"| CPU | {r['cpu']}, {r['cores']} cores |",
        f"| RAM | {int(r['ram_kb']) / 1024 / 1024:.1f} GiB |",
        f"| Kernel | {r['kernel']} |",
        f"| OS | {r['os']} |",
        f"| WebKitGTK | {r['webkitgtk']} (libwebkit2gtk-4.1-0) |",
        f"| Chromium | {r['chromium']} |",
        f"| Display | Xvfb {r['xvfb']} (virtual, no GPU; `WEBKIT_DISABLE_DMABUF_RENDERER=1`) |",
        f"| Rust | {r['rustc']} |",
        f"| Load average | {r['load_before']} before, {r['load_after']} after (1, 5, 15 min) |",
        f"| Measured | {r['date']}, commit {r['commit']} |",
        "",
        "## Figures",
        "",
        f"Start-up and idle memory are the median of {runs} launches each (min–max beside it; "
        f"{model_runs} with the model loaded), each with a fresh data folder on a virtual display. "
        "Start-up runs from the start of `main` to the page's first command reaching the backend "
        "(page loaded, its script run, one IPC round trip), as both apps log it; memory is PSS "
        "(private pages plus a fair share of shared ones) summed over the app and every process it "
        f"started (WebKit's web and network processes), {idle} s after that first command. MiB are "
        "2^20 bytes.",
        "",
        "| Figure | Hearth | Goal | Floor | Ratio / difference | |",
        "|---|---|---|---|---|---|",
    ] + [f"| {' | '.join(row)} |" for row in rows] + [
        "",
        "## Beside the floors",
        "",
        "| | Hearth | Floor (bare Tauri 2) | Chromium app mode |",
        "|---|---|---|---|",
        f"| Idle PSS, median | {fmt(mib(app_kb))} MiB | {fmt(floor_mib)} MiB | "
        f"{fmt(mib(chrome_kb))} MiB ({fmt(mib(chrome_kb_lo))}–{fmt(mib(chrome_kb_hi))}) |",
        f"| With the chat model loaded | {fmt(mib(model_kb))} MiB | — | — |",
        f"| `.deb` | {app_deb / MIB:.2f} MiB | {floor_deb / MIB:.2f} MiB | — |",
        f"| Release binary (stripped) | {int(r['hearth_bin_bytes']) / MIB:.1f} MiB | "
        f"{int(r['floor_bin_bytes']) / MIB:.1f} MiB | — |",
        "",
        f"The chat model is the built-in SmolLM2-135M-Instruct: a {model_file / MIB:.1f} MiB Q4_1 file, "
        "which llama.cpp maps and runs in-process. "
        "It is loaded without a human the way a fresh install loads it: the models are placed in "
        "the data folder as `scripts/run.sh` places them, and the first run's view warms the "
        "built-in model on opening; memory is sampled "
        f"{idle} s after the app logs `local model loaded`.",
        "",
        "## Search, recall and prompt building",
        "",
        ("Benches not run (`--no-benches`)." if r.get("bench_skipped") else
         "Benches run at 10^5 messages (`--quick-benches`), not the goal's 10^6."
         if quick else
         "`cargo bench -p hearth-core --bench search` (10^6 messages, 10^5 moments, 3,000 diary "
         "entries, 2,000 letters) and `--bench recall` (10^5 and 10^6 messages, 2,000 memories, a "
         "384-float vector for every message and memory); journals generated once and cached under "
         "the target directory."),
        "",
        "| What | p50 (ms) | p95 (ms) | max (ms) | runs |",
        "|---|---:|---:|---:|---:|",
    ] + [f"| {w} | {p50:.2f} | {p95:.2f} | {mx:.2f} | {n} |" for (w, p50, p95, mx, n) in bench] + soak_lines + [
        "",
        "## How long it took",
        "",
        f"Release builds and packages {mins('build_s')}; launches {mins('launch_s')}; benches "
        f"{mins('bench_s')}; in-window figures and soak {mins('window_s')}; in all "
        f"{mins('total_s')}.",
        "",
    ]
    (docs / "PERFORMANCE.md").write_text("\n".join(out))


if __name__ == "__main__":
    main()
