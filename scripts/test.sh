#!/usr/bin/env bash
# Install everything, then run the checks and the test suite. This is what CI runs.
#   scripts/test.sh                  lint, types, layering, unit + integration + e2e tests
#   scripts/test.sh --run-slow       also the slow opt-in tests
#   scripts/test.sh -k watch         extra arguments go to pytest
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh

echo "== ruff";          .venv/bin/ruff check src tests benchmarks
echo "== ruff format";   .venv/bin/ruff format --check -q src tests benchmarks
echo "== mypy";          .venv/bin/mypy
echo "== import-linter"; .venv/bin/lint-imports --no-cache
echo "== pytest"
set +e
.venv/bin/pytest "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
    echo "pytest collected no tests" >&2
    exit 1
fi
exit "$rc"
