#!/usr/bin/env bash
# Main job. Without arguments: the full grading cycle on the bundled sample submissions.
# With a course directory: grade that course's real submissions (`./grade.sh /ruta/al/curso`).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$REPO/setup.sh"
cd "$REPO"
if [ "${1:-}" = lms ]; then exec python -m autograder "$@"; fi
if [ $# -gt 0 ] && [ -d "$1" ]; then
  exec python -m autograder grade "$@"
fi
exec python -m autograder demo "$@"
