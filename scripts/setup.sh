#!/usr/bin/env bash
# Create .venv and install the pinned dependencies (requirements.txt; with --dev also requirements-dev.txt).
# Re-running is cheap: it reinstalls only when a requirements file changed.
set -euo pipefail
cd "$(dirname "$0")/.."
want_dev=${1:-}
PY=${PYTHON:-}
if [ -z "$PY" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then PY=$candidate; break; fi
  done
fi
"$PY" -c 'import sys; assert sys.version_info >= (3, 11), "Carebook needs Python 3.11 or newer"'
if [ ! -x .venv/bin/python ]; then
  echo "==> Creating .venv with $("$PY" --version)"
  "$PY" -m venv .venv
fi
files=(requirements.txt)
[ "$want_dev" = "--dev" ] && files+=(requirements-dev.txt)
stamp=".venv/.installed-$(cat "${files[@]}" | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "==> Installing pinned dependencies (${files[*]})"
  uv=.venv/bin/uv
  if [ ! -x "$uv" ]; then
    .venv/bin/python -m pip --version >/dev/null 2>&1 || .venv/bin/python -m ensurepip >/dev/null
    .venv/bin/python -m pip install -q --disable-pip-version-check uv
  fi
  args=()
  for f in "${files[@]}"; do args+=(-r "$f"); done
  "$uv" pip install -q --python .venv/bin/python "${args[@]}"
  touch "$stamp"
fi
