#!/usr/bin/env bash
# Renders the README's three chart pictures from the CDNOW report:
# the report example writes each chart as SVG, and librsvg's rsvg-convert
# (Debian's librsvg2-bin) draws them as PNG here.
#
#   bash docs/render.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --quiet --release --features charts --example report -- target/report.html --charts target/charts
for chart in tracking probability_alive cohort_retention; do
  rsvg-convert --zoom 1.5 --background-color white target/charts/$chart.svg -o docs/$chart.png
done
ls -l docs/*.png
