#!/usr/bin/env bash
# make run: set up, migrate the embedded SQLite database, seed the demo if empty,
# start the background worker and serve on http://127.0.0.1:${PORT:-8000}.
#
# Stopping: SIGINT (Ctrl-C) or SIGTERM, sent to this shell alone or to its whole
# process group (as `timeout` or a service manager does), stops the server and the
# worker within a few seconds. Each runs as a job in its own process group (set -m),
# so a signal to our group reaches only this shell, and the trap below stops each
# in the way it stops cleanly:
#   - gunicorn: SIGTERM to its master (a graceful stop, at most --graceful-timeout).
#   - django-q2's qcluster: SIGINT to its main process only. Its sentinel process
#     ignores SIGINT but dies at once on SIGTERM (django_q/cluster.py, Sentinel sets
#     SIG_DFL); a SIGTERM to the whole group kills the sentinel while it waits on the
#     stop event, and the main process then blocks for ever in its signal handler,
#     in stop_event.set() (multiprocessing's Condition.notify waits for the dead
#     sleeper to wake), ignoring every later SIGTERM. Sent to the main process alone,
#     the signal makes it set the stop event; the live sentinel stops its workers.
# Anything still running after STOP_SECONDS is killed (SIGKILL to its group).
#
# CAREBOOK_DEMO_SEED=false skips the demo seed (the tests use it with an empty database).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
mkdir -p var
export DJANGO_SETTINGS_MODULE=config.settings
PY=.venv/bin/python
PORT=${PORT:-8000}
STOP_SECONDS=${CAREBOOK_STOP_SECONDS:-10}
$PY manage.py migrate --noinput
$PY manage.py load_reference_data  # the substances table and what each medicine contains (idempotent)
if [ "${CAREBOOK_DEMO_SEED:-true}" != "false" ]; then
  $PY manage.py seed_demo
fi
$PY manage.py collectstatic --noinput -v 0

set -m # job control: each background job gets its own process group
worker=""
server=""
stopping=""

alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

stop() {
  [ -n "$stopping" ] && return
  stopping=1
  trap '' INT TERM HUP
  echo "==> Stopping Carebook"
  if alive "$server"; then kill -TERM "$server" 2>/dev/null || true; fi
  if alive "$worker"; then kill -INT "$worker" 2>/dev/null || true; fi
  local waited=0
  while { alive "$server" || alive "$worker"; } && [ "$waited" -lt $((STOP_SECONDS * 10)) ]; do
    sleep 0.1
    waited=$((waited + 1))
  done
  for job in "$server" "$worker"; do
    # The job's whole process group: gunicorn's workers, qcluster's sentinel and its pool.
    if [ -n "$job" ]; then kill -KILL -- "-$job" 2>/dev/null || true; fi
  done
  wait 2>/dev/null || true
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM HUP
trap 'stop' EXIT

echo "==> Starting the background worker (django-q2)"
$PY manage.py qcluster &
worker=$!
.venv/bin/gunicorn config.wsgi:application --bind "127.0.0.1:$PORT" --workers 2 --threads 4 \
  --worker-class gthread --access-logfile - --graceful-timeout 5 --no-control-socket &
server=$!
echo "==> Carebook is at http://127.0.0.1:$PORT  (Ctrl-C to stop)"
# `wait` returns when a trapped signal arrives (a foreground command would delay the trap until it ended),
# or when either process ends on its own: then the other is stopped too.
status=0
wait -n "$server" "$worker" || status=$?
stop
exit "$status"
