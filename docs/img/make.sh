#!/usr/bin/env bash
# Renders the README's pictures of the report workbook from the file itself:
# dangan writes the demo's monthly report as XLSX, LibreOffice (headless)
# prints it to PDF, pdftoppm (poppler-utils) turns pages into PNG.
#   bash docs/img/make.sh            (needs soffice and pdftoppm)
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cargo run --quiet --release -- report --archive examples/demo --as-of 2026-11-01 --lang zh \
  --output "$tmp/report.xlsx"
(cd "$tmp" && soffice --headless --convert-to pdf report.xlsx > /dev/null 2>&1)
# page 1: the first sheet (the report's title and period), its top only;
# page 2: the overview sheet with its live charts
pdftoppm -f 1 -l 1 -png -r 110 -x 0 -y 0 -W 1200 -H 300 -singlefile "$tmp/report.pdf" docs/img/report-sheet1
pdftoppm -f 2 -l 2 -png -r 90 -singlefile "$tmp/report.pdf" docs/img/report-overview
ls -la docs/img/*.png
