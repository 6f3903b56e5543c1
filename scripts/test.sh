#!/usr/bin/env bash
# make test: the whole suite. Lint, types, migrations, then the tests on SQLite,
# again on a fresh PostgreSQL database, then the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
scripts/ensure_browser.sh
export DJANGO_SETTINGS_MODULE=config.settings_test
PY=.venv/bin/python
# Three workers on two cores: each waits on its database part of the time (measured 2026-12-03 on these machines,
# a quiet machine: SQLite 287-306 s with 2 workers, 264 s with 3; PostgreSQL 296-324 s with 2, 249 s with 3).
workers=${CAREBOOK_TEST_WORKERS:-3}
step() { printf '\n==> %s\n' "$*"; }

step "ruff (lint and format)"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
step "mypy"
.venv/bin/mypy carebook config
step "import-linter (the layers: pyproject.toml [tool.importlinter])"
.venv/bin/lint-imports
step "migrations are up to date"
$PY manage.py makemigrations --check --dry-run
step "tests on SQLite"
DATABASE_URL="sqlite:///$(pwd)/var/test.sqlite3" .venv/bin/pytest -q -m "not browser" -n "$workers"
step "tests on PostgreSQL"
server=$(scripts/ensure_postgres.sh)
db="carebook_$(date +%s)_$$"
DATABASE_URL="$server/$db" .venv/bin/pytest -q -m "not browser" -n "$workers"
step "browser tests (headless Chromium, axe-core)"
.venv/bin/pytest -q -m browser -p no:xdist
