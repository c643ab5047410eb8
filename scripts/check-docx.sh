#!/usr/bin/env bash
# Converts a DOCX to PDF with LibreOffice, prints its text and page count, and writes
# PNG pages beside the PDF, so a person can look at the layout.
#   scripts/check-docx.sh FILE.docx [EXPECTED-TEXT...]
# Each EXPECTED-TEXT must appear in the PDF text. Needs libreoffice (or soffice),
# pdftotext, pdfinfo and pdftoppm (Debian: libreoffice-writer-nogui poppler-utils
# fonts-liberation2); if they are missing it says so and exits 0.
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: $0 FILE.docx [EXPECTED-TEXT...]" >&2
  exit 2
fi
docx=$1
shift
[ -f "$docx" ] || { echo "no such file: $docx" >&2; exit 2; }

lo=$(command -v libreoffice || command -v soffice || true)
for tool in pdftotext pdfinfo pdftoppm; do
  command -v "$tool" >/dev/null || { echo "skipped: $tool not installed"; exit 0; }
done
[ -n "$lo" ] || { echo "skipped: libreoffice not installed"; exit 0; }

out=$(mktemp -d)
trap 'rm -rf "$out/profile"' EXIT
# A private profile so a running LibreOffice elsewhere does not swallow the call.
"$lo" -env:UserInstallation="file://$out/profile" --headless --convert-to pdf \
  --outdir "$out" "$docx" >/dev/null 2>&1
pdf="$out/$(basename "${docx%.*}").pdf"
[ -s "$pdf" ] || { echo "FAIL: LibreOffice made no PDF from $docx" >&2; exit 1; }

pdftotext -layout "$pdf" "$out/text.txt"
pdftoppm -png -r 60 "$pdf" "$out/page"
pages=$(pdfinfo "$pdf" | awk '/^Pages:/ {print $2}')
size=$(pdfinfo "$pdf" | awk -F': *' '/^Page size:/ {print $2}')
echo "pdf: $pdf"
echo "pages: $pages; page size: $size"
echo "png: $(ls "$out"/page*.png | tr '\n' ' ')"
echo "----- text -----"
cat "$out/text.txt"
echo "----------------"

status=0
case "$size" in
  *595.*x*841.*|*595*x*842*) ;;
  *) echo "FAIL: page size is not A4: $size" >&2; status=1 ;;
esac
for want in "$@"; do
  # pdftotext -layout may pad words with extra spaces: compare with runs of spaces squeezed.
  if ! tr -s ' ' <"$out/text.txt" | grep -qF -- "$want"; then
    echo "FAIL: text not found: $want" >&2
    status=1
  fi
done
[ $status -eq 0 ] && echo "ok: $docx"
exit $status
