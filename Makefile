.PHONY: run test bench lint setup vendor
.DEFAULT_GOAL := run

# Set up and run the product on SQLite with demo data: http://127.0.0.1:8000
run:
	scripts/run.sh

# The whole suite: lint, types, migrations, SQLite, PostgreSQL, browser tests.
test:
	scripts/test.sh

# Benchmarks at scale; figures written to docs/benchmarks.md.
bench:
	scripts/setup.sh --dev
	BENCH_PG_SERVER="$$(scripts/ensure_postgres.sh)" .venv/bin/python bench/run.py

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy carebook config && .venv/bin/lint-imports

setup:
	scripts/setup.sh --dev

# After changing a front-end version in package.json.
vendor:
	npm ci && scripts/vendor_assets.sh
