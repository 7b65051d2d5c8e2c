#!/usr/bin/env bash
# The test suite: lint, then pytest on all cores (real nbgrader runs included).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$REPO/setup.sh"
cd "$REPO"
ruff check .
ruff format --check .
exec python -m pytest -n "${PYTEST_WORKERS:-auto}" --dist loadgroup "$@"
