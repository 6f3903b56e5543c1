#!/usr/bin/env bash
# make run: set up, migrate the embedded SQLite database, seed the demo if empty,
# start the background worker and serve on http://127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
mkdir -p var
export DJANGO_SETTINGS_MODULE=config.settings
PY=.venv/bin/python
$PY manage.py migrate --noinput
$PY manage.py seed_demo
$PY manage.py collectstatic --noinput -v 0
echo "==> Starting the background worker (django-q2)"
$PY manage.py qcluster &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM
echo "==> Carebook is at http://127.0.0.1:8000  (Ctrl-C to stop)"
.venv/bin/gunicorn config.wsgi:application --bind 127.0.0.1:${PORT:-8000} --workers 2 --threads 4 \
  --worker-class gthread --access-logfile - --graceful-timeout 5
