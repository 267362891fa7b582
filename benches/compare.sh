#!/usr/bin/env bash
# repurchase beside Python lifetimes and Polars, on the same synthetic
# purchase logs, in one run: one table with every figure and the ratios.
#
#   bash benches/compare.sh            # ~1.1M and ~9.2M rows
#   SIZES=1m bash benches/compare.sh   # the small log only
#
# Runs from a clone of this repository alone, with python3: the logs (CSV
# and Parquet) are drawn by the crate's own `synthetic` module
# (examples/gen_purchases.rs),
# the anchors are benches/anchor_lifetimes.py and benches/anchor_polars.py
# (Polars' fastest form of the summary, and its CSV file scanned straight
# into it), the SQL route is integrations/datafusion/examples/bench_sql.rs, installed into a virtual environment under target/compare on
# first use (lifetimes 0.11.3 with pandas<2, numpy<1.25, scipy<1.11, and
# polars). Logs are generated once and kept there. CI does not run this:
# it takes minutes, most of them lifetimes'.
set -euo pipefail
cd "$(dirname "$0")/.."

WORK=${WORK:-target/compare}
SIZES=${SIZES:-"1m 10m"}
AS_OF=2025-12-29
VENV=$WORK/venv
mkdir -p "$WORK"

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import lifetimes, polars" 2>/dev/null; then
    echo "installing lifetimes and polars into $VENV" >&2
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet "lifetimes==0.11.3" "pandas<2" "numpy<1.25" "scipy<1.11" polars
fi
PY=$VENV/bin/python

echo "building the generator, examples/bench_csv and bench_arrow, one core and all cores" >&2
cargo build --quiet --release --features example-io --example gen_purchases
cp target/release/examples/gen_purchases "$WORK/gen_purchases"
cargo build --quiet --release --example bench_csv
cp target/release/examples/bench_csv "$WORK/bench_csv_serial"
cargo build --quiet --release --features example-io --example bench_arrow
cp target/release/examples/bench_arrow "$WORK/bench_arrow_serial"
cargo build --quiet --release --features parallel --example bench_csv
cp target/release/examples/bench_csv "$WORK/bench_csv_parallel"
cargo build --quiet --release --features example-io,parallel --example bench_arrow
cp target/release/examples/bench_arrow "$WORK/bench_arrow_parallel"
echo "building the SQL route (DataFusion: several minutes the first time)" >&2
cargo build --quiet --release -p repurchase-datafusion --example bench_sql
cp target/release/examples/bench_sql "$WORK/bench_sql"

RESULTS=$WORK/results.jsonl
: > "$RESULTS"
for size in $SIZES; do
    csv=$WORK/p$size.csv
    parquet=$WORK/p$size.parquet
    case $size in
        1m) args=(--customers 250000 --rate-scale 3) ;;
        10m) args=(--customers 1000000 --rate-scale 4 --a 0.5 --b 6) ;;
        *) echo "unknown size $size (1m or 10m)" >&2; exit 1 ;;
    esac
    [ -s "$csv" ] && [ -s "$parquet" ] || "$WORK/gen_purchases" "${args[@]}" --out "$csv" --parquet "$parquet"
    tag() { "$PY" -c "import json,sys; [print(json.dumps({**json.loads(l), 'size': '$size', 'run': '$1'})) for l in sys.stdin if l.startswith('{')]"; }
    echo "== $size: lifetimes" >&2
    "$PY" benches/anchor_lifetimes.py "$csv" --as-of "$AS_OF" | tag lifetimes >> "$RESULTS"
    echo "== $size: polars" >&2
    "$PY" benches/anchor_polars.py "$csv" --as-of "$AS_OF" --parquet "$parquet" | tag polars >> "$RESULTS"
    echo "== $size: repurchase, one core" >&2
    taskset -c 0 "$WORK/bench_csv_serial" "$csv" --as-of "$AS_OF" | tag serial >> "$RESULTS"
    echo "== $size: repurchase, all cores" >&2
    "$WORK/bench_csv_parallel" "$csv" --as-of "$AS_OF" | tag parallel >> "$RESULTS"
    echo "== $size: repurchase, CSV file to summaries through Arrow, one core and all cores" >&2
    taskset -c 0 "$WORK/bench_arrow_serial" "$csv" --as-of "$AS_OF" --parquet "$parquet" | tag arrow_serial >> "$RESULTS"
    "$WORK/bench_arrow_parallel" "$csv" --as-of "$AS_OF" --parquet "$parquet" | tag arrow_parallel >> "$RESULTS"
    echo "== $size: repurchase, SQL on DataFusion over the Parquet file, one core and all cores" >&2
    taskset -c 0 "$WORK/bench_sql" "$parquet" --as-of "$AS_OF" | tag sql_serial >> "$RESULTS"
    "$WORK/bench_sql" "$parquet" --as-of "$AS_OF" | tag sql_parallel >> "$RESULTS"
    echo "== $size: repurchase, peak memory" >&2
    /usr/bin/time -v "$WORK/bench_csv_serial" "$csv" --as-of "$AS_OF" --once 2> "$WORK/time.txt" | tag memory >> "$RESULTS"
    peak_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.txt")
    echo "{\"size\": \"$size\", \"run\": \"peak\", \"peak_rss_bytes\": $((peak_kb * 1024))}" >> "$RESULTS"
done

"$PY" - "$RESULTS" <<'EOF'
import json, os, platform, subprocess, sys, datetime

rows = [json.loads(l) for l in open(sys.argv[1])]
by = {(r["size"], r["run"]): r for r in rows}
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.machine())
print(f"Measured {datetime.date.today()} on {os.cpu_count()} cores of {cpu}, "
      f"{round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB; "
      f"Polars {by.get((rows[0]['size'], 'polars'), {}).get('version', '?')} on all cores.\n")
steps = [("summary", "summary_s", True), ("RFM quintiles", "rfm_s", True), ("BG/NBD fit", "bgnbd_fit_s", False),
         ("Gamma-Gamma fit", "gg_fit_s", False), ("12-month CLV", "clv_12m_s", False)]
fmt = lambda s: "–" if s is None else (f"{s:.2f} s" if s >= 1 else f"{s * 1000:.0f} ms")
ratio = lambda a, b: "–" if a is None or b is None else f"{a / b:.0f}×" if a / b >= 10 else f"{a / b:.1f}×"
for size in dict.fromkeys(r["size"] for r in rows):
    lt, pl, one, all_ = (by.get((size, k), {}) for k in ("lifetimes", "polars", "serial", "parallel"))
    print(f"{one.get('rows', 0):,} purchases, {one.get('customers', 0):,} customers "
          f"(CSV parsing, not counted: lifetimes {fmt(lt.get('load_s'))}, Polars {fmt(pl.get('load_s'))}, ours {fmt(one.get('load_s'))})\n")
    print("| step | lifetimes | Polars, all cores | repurchase, 1 core | repurchase, all cores "
          "| faster than lifetimes (1 core / all) | faster than Polars (1 core / all) | all cores vs 1 |")
    print("|---|---|---|---|---|---|---|---|")
    for name, key, polars_has in steps:
        a, p, s, m = lt.get(key), pl.get(key) if polars_has else None, one.get(key), all_.get(key)
        both = lambda x: "–" if x is None else f"{ratio(x, s)} / {ratio(x, m)}"
        print(f"| {name} | {fmt(a)} | {fmt(p)} | {fmt(s)} | {fmt(m)} | {both(a)} | {both(p)} | {ratio(s, m)} |")
    a1, am = by.get((size, "arrow_serial"), {}), by.get((size, "arrow_parallel"), {})
    q1, qm = by.get((size, "sql_serial"), {}), by.get((size, "sql_parallel"), {})
    rows_path = lambda r: None if r.get("load_s") is None else r["load_s"] + r["summary_s"]
    print("\nFrom a file to per-customer summaries, reading and parsing included "
          "(Polars: `scan_csv` / `scan_parquet` into its fastest summary, all cores):\n")
    print("| file | route | Polars, all cores | repurchase, 1 core | repurchase, all cores | faster than Polars (1 core / all) |")
    print("|---|---|---|---|---|---|")
    for file, name, p, s1, sm in [
        ("CSV", "Arrow: arrow-csv, columnar build, summary", pl.get("csv_to_summary_s"), a1.get("csv_to_summary_s"), am.get("csv_to_summary_s")),
        ("CSV", "Arrow: simd-csv, columnar build, summary", pl.get("csv_to_summary_s"), a1.get("csv_simd_to_summary_s"), am.get("csv_simd_to_summary_s")),
        ("CSV", "records: hand parser, `Vec<Purchase>`, summary", pl.get("csv_to_summary_s"), rows_path(one), rows_path(all_)),
        ("Parquet", "Arrow: parquet, columnar build, summary", pl.get("parquet_to_summary_s"), a1.get("parquet_to_summary_s"), am.get("parquet_to_summary_s")),
        ("Parquet", "SQL on DataFusion: `customer_summary` … `GROUP BY`", pl.get("parquet_to_summary_s"), q1.get("sql_parquet_to_summary_s"), qm.get("sql_parquet_to_summary_s")),
    ]:
        print(f"| {file} | {name} | {fmt(p)} | {fmt(s1)} | {fmt(sm)} | {ratio(p, s1)} / {ratio(p, sm)} |")
    from_batches = lambda r: None if r.get("build_s") is None else r["build_s"] + r["summarize_s"]
    print(f"\nBuilding the log and summarising, 1 core / all cores: from record batches "
          f"{fmt(from_batches(a1))} / {fmt(from_batches(am))}, from parsed records {fmt(one.get('summary_s'))} / "
          f"{fmt(all_.get('summary_s'))} ({ratio(one.get('summary_s'), from_batches(a1))} / "
          f"{ratio(all_.get('summary_s'), from_batches(am))} the records' speed).")
    if qm.get("sql_parquet_to_summary_s") and am.get("parquet_to_summary_s"):
        print(f"SQL over Parquet took {ratio(q1.get('sql_parquet_to_summary_s'), a1.get('parquet_to_summary_s'))} / "
              f"{ratio(qm['sql_parquet_to_summary_s'], am['parquet_to_summary_s'])} the crate's own Parquet route's time (1 core / all).")
    if am.get("build_peak_bytes"):
        print(f"Building the log from the CSV's record batches added at most {am['build_peak_bytes'] / 2**20:,.0f} MiB, "
              f"{am['build_peak_bytes'] / am['batch_bytes']:.2f}× the batches' own {am['batch_bytes'] / 2**20:,.0f} MiB.")
    peak, mem = by.get((size, "peak"), {}), by.get((size, "memory"), {})
    if peak and mem:
        print(f"\nPeak memory, one pass from parsed purchases to CLV: {peak['peak_rss_bytes'] / 2**20:,.0f} MiB, "
              f"{peak['peak_rss_bytes'] / mem['purchases_bytes']:.2f}× the purchases' own {mem['purchases_bytes'] / 2**20:,.0f} MiB.")
    if lt.get("bgnbd_params") and one.get("bgnbd_params"):
        ours, theirs = one["bgnbd_params"], lt["bgnbd_params"]
        print("\nBG/NBD estimates, ours / lifetimes: " + ", ".join(f"{k} {ours[k]:.4f} / {theirs[k]:.4f}" for k in ("r", "alpha", "a", "b"))
              + f"; total CLV {one['clv_total']:,.0f} / {lt.get('clv_total', float('nan')):,.0f}.")
    print()
EOF
