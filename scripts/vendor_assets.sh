#!/usr/bin/env bash
# Copy the built front-end assets from npm into carebook/static/vendor, so that
# `make run` needs no npm. Run after changing a version in package.json:
#   npm ci && scripts/vendor_assets.sh
# Fonts: the NHS CSS loads Frutiger from an external host, which our CSP (and
# a closed network) blocks; the @font-face rules are removed and the design
# system's Arial fallback is used.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(node -p "require('./node_modules/nhsuk-frontend/package.json').version")
out=carebook/static/vendor/nhsuk
rm -rf "$out" && mkdir -p "$out/assets"
cp -r node_modules/nhsuk-frontend/dist/nhsuk/assets/images "$out/assets/"
python3 - "$out" <<'PY'
import re, sys
out = sys.argv[1]
css = open("node_modules/nhsuk-frontend/dist/nhsuk/nhsuk-frontend.min.css").read()
css = re.sub(r"@font-face\{[^}]*\}", "", css)
css = css.replace("url(/assets/", "url(assets/")
# Source maps are not shipped: drop the references (collectstatic's manifest would look for them).
strip_map = lambda text: re.sub(r"/[*/]# sourceMappingURL=[^\n]*", "", text)
open(f"{out}/nhsuk-frontend.min.css", "w").write(strip_map(css))
js = open("node_modules/nhsuk-frontend/dist/nhsuk/nhsuk-frontend.min.js").read()
open(f"{out}/nhsuk-frontend.min.js", "w").write(strip_map(js))
PY
htmx_version=$(node -p "require('./node_modules/htmx.org/package.json').version")
mkdir -p carebook/static/vendor/htmx
sed -e 's|//# sourceMappingURL=.*||' node_modules/htmx.org/dist/htmx.min.js > carebook/static/vendor/htmx/htmx.min.js
printf 'nhsuk-frontend %s\nhtmx.org %s\n' "$version" "$htmx_version" > carebook/static/vendor/VERSIONS
echo "Vendored nhsuk-frontend $version and htmx $htmx_version"
