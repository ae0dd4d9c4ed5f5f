#!/usr/bin/env bash
# Look at the printable pages (`report household REF --format html`, `report quarter Q --format html`)
# the way a browser prints them: the demo's H01 register and its 2004Q3 summary, each printed to an
# A4 PDF by headless Chromium, the PDF pages turned into PNGs, plus a screenshot of the first screen.
#
# Installs nothing. Needs, on Debian/Ubuntu:
#   apt-get install -y chromium fonts-noto-cjk poppler-utils
# (fonts-noto-cjk for the Chinese glyphs, poppler-utils for pdftoppm; without pdftoppm you get the
# PDFs and screenshots only). aidtrack must be on PATH (the project's virtualenv activated).
#
# Usage: scripts/screenshot_html.sh [OUTDIR]      OUTDIR defaults to a new folder under /tmp;
# nothing is written inside the repository. Open OUTDIR/*.png to check: A4 pages, no column cut off,
# Chinese glyphs drawn, the chart showing H01's fall in 2004-08/09.
set -euo pipefail

out=${1:-$(mktemp -d "${TMPDIR:-/tmp}/aidtrack-html.XXXXXX")}
mkdir -p "$out"
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
    echo "chromium not found: apt-get install -y chromium fonts-noto-cjk poppler-utils" >&2
    exit 1
fi

db="$out/demo.db"
rm -f "$db" "$db-wal" "$db-shm"
python - "$db" <<'EOF'
import sys
from pathlib import Path

from aidtrack.ops import demo

demo.build(Path(sys.argv[1])).close()
EOF

lang_env=(env -u AIDTRACK_LANG -u LC_ALL -u LC_MESSAGES -u LANG)
"${lang_env[@]}" aidtrack --db "$db" report household H01 --format html --out "$out/H01.html"
"${lang_env[@]}" aidtrack --db "$db" report quarter 2004Q3 --format html --out "$out/2004Q3.html"
AIDTRACK_LANG=zh aidtrack --db "$db" report household H01 --format html --out "$out/H01.zh.html"
AIDTRACK_LANG=zh aidtrack --db "$db" report quarter 2004Q3 --format html --out "$out/2004Q3.zh.html"

run_chromium() {
    local profile
    profile=$(mktemp -d "${TMPDIR:-/tmp}/aidtrack-chromium.XXXXXX")
    # No network, no updates, a throw-away profile; --no-pdf-header-footer keeps the browser's own
    # date/URL header off the paper (the page numbers come from the page's @page rule).
    timeout 60 "$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --disable-sync --no-first-run --user-data-dir="$profile" \
        --no-pdf-header-footer "$@" >/dev/null 2>&1
    rm -rf "$profile"
}

for name in H01 2004Q3 H01.zh 2004Q3.zh; do
    page="file://$out/$name.html"
    case $name in
        2004Q3*) size=1123,794 ;;   # A4 landscape at 96 dpi
        *) size=794,1123 ;;         # A4 portrait at 96 dpi
    esac
    run_chromium --screenshot="$out/$name.screen.png" --window-size="$size" "$page"
    run_chromium --print-to-pdf="$out/$name.pdf" "$page"
    if command -v pdftoppm >/dev/null; then
        pdftoppm -png -r 80 "$out/$name.pdf" "$out/$name.page"
    fi
    if command -v pdfinfo >/dev/null; then
        pdfinfo "$out/$name.pdf" | awk -v n="$name" '/^Pages|^Page size/ {print n ": " $0}'
    fi
done
echo "written to $out:"
ls "$out"
