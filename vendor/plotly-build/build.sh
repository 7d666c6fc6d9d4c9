#!/bin/bash
# Rebuilds vendor/plotly-custom-4.1.1.min.js: plotly.js 4.1.1's core (scatter) + bar + heatmap, without the
# components no chart of the app uses (calendars, images, updatemenus, sliders, rangeslider, rangeselector,
# errorbars, annotations3d: build.mjs says why), built the way plotly.js builds its own partial bundles
# (assets/VENDORED.md). Needs Node.js >= 18 and the npm registry, at build time only; the app never runs it
# and CI does not either. The versions are those of package-lock.json (npm ci), so a rebuild gives the same
# bytes: compare the printed sha256 with assets/VENDORED.md.
#   vendor/plotly-build/build.sh [TRACES]     TRACES default scatter,bar,heatmap (keep in step with
#                                             layouts/plotly_bundle.py TRACE_TYPES)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
traces=${1:-scatter,bar,heatmap}
out=$(cd "$here/.." && pwd)/plotly-custom-4.1.1.min.js
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/package.json" "$here/package-lock.json" "$here/build.mjs" "$work/"
cd "$work"
# --ignore-scripts: no package's install script runs (esbuild's binary comes as its own npm package)
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
node build.mjs "$work/plotly-custom.min.js" "$traces" custom
cp "$work/plotly-custom.min.js" "$out"
sha256sum "$out"
