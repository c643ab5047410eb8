#!/usr/bin/env bash
# Regenerate crates/atgt-web/assets/vendor/ from the pinned npm packages.
#
# The Rust binary embeds crates/atgt-web/assets/ at build time (rust-embed),
# so the copied files are committed; this script only exists to refresh them
# reproducibly from package-lock.json. Run from anywhere:
#
#     bash frontend/copy-vendor.sh        (or: cd frontend && npm run copy)
#
# Resulting layout (flat, so leaflet.css finds its images/ beside it):
#   vendor/leaflet.js  vendor/leaflet.css  vendor/images/*.png
#   vendor/htmx.min.js
#   vendor/LICENSE-leaflet.txt  vendor/LICENSE-htmx.txt
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
dest="$repo/crates/atgt-web/assets/vendor"

cd "$here"
npm ci --no-audit --no-fund --ignore-scripts

nm="$here/node_modules"
leaflet="$nm/leaflet"
htmx="$nm/htmx.org"

# Refuse to vendor something other than what package.json pins.
want_version() { node -p "require('./package.json').dependencies['$1']"; }
have_version() { node -p "require('$nm/$1/package.json').version"; }
for pkg in leaflet htmx.org; do
  want="$(want_version "$pkg")"
  have="$(have_version "$pkg")"
  if [[ "$want" != "$have" ]]; then
    echo "copy-vendor: $pkg is $have in node_modules but package.json pins $want" >&2
    exit 1
  fi
done

# Start from an empty directory so nothing stale survives.
rm -rf "$dest"
mkdir -p "$dest/images"

install -m 0644 "$leaflet/dist/leaflet.js"  "$dest/leaflet.js"
install -m 0644 "$leaflet/dist/leaflet.css" "$dest/leaflet.css"
for img in marker-icon.png marker-icon-2x.png marker-shadow.png layers.png layers-2x.png; do
  install -m 0644 "$leaflet/dist/images/$img" "$dest/images/$img"
done
install -m 0644 "$leaflet/LICENSE" "$dest/LICENSE-leaflet.txt"

install -m 0644 "$htmx/dist/htmx.min.js" "$dest/htmx.min.js"
install -m 0644 "$htmx/LICENSE" "$dest/LICENSE-htmx.txt"

echo "copy-vendor: leaflet $(have_version leaflet), htmx.org $(have_version htmx.org) -> ${dest#"$repo"/}"
( cd "$dest" && find . -type f | sort | sed 's|^\./|  |' )
find "$dest" -type f -printf '%s\n' | awk '{s += $1} END {print "copy-vendor: " NR " files, " s " bytes"}'
