#!/usr/bin/env bash
# Install everything the tests need into ./.venv (created on first use, reused
# afterwards) and run the whole test suite in parallel.
#
#   ./tools/run-tests.sh                  # the whole suite
#   ./tools/run-tests.sh tests/unit -x    # any pytest arguments instead
#
# Tests that need PostgreSQL, MariaDB, Redis, RabbitMQ or Prometheus are skipped
# with a reason when the server is missing, unless CLOUDKITTY_TEST_REQUIRE_SERVERS=1
# (set by .ci/run), which turns those skips into failures.
set -euo pipefail

cd "$(dirname "$0")/.."
VENV=${CLOUDKITTY_VENV:-.venv}
PYTHON=${PYTHON:-python3}

if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
        echo "run-tests: Python >= 3.11 is required ($PYTHON is $("$PYTHON" -V 2>&1))" >&2
        exit 1
    }
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    -e . -r test-requirements.txt

if [ "$#" -eq 0 ]; then
    set -- tests
fi
exec "$VENV/bin/python" -m pytest -n auto --dist loadgroup "$@"
