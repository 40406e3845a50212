#!/usr/bin/env bash
# Quick start: install the service and run it on embedded defaults, with the
# bundled sample of a small cloud and example rating rules.
#
#   ./tools/quickstart.sh
#
# Everything lives in ./.venv and ./var/quickstart/ (configuration, SQLite
# database, file locks, usage samples, logs). Nothing else is needed: no
# database server, no message broker, no Keystone (auth_strategy = noauth).
# Ctrl-C stops both daemons; running the script again resumes where the
# processor stopped, without rating any period twice.
#
# Environment: CLOUDKITTY_QUICKSTART_DIR (default ./var/quickstart),
# CLOUDKITTY_QUICKSTART_PORT (default 8889), CLOUDKITTY_VENV (default ./.venv),
# PYTHON (default python3, 3.11 or newer).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
VAR=${CLOUDKITTY_QUICKSTART_DIR:-$ROOT/var/quickstart}
mkdir -p "$VAR"
VAR=$(cd "$VAR" && pwd)
VENV=${CLOUDKITTY_VENV:-$ROOT/.venv}
PYTHON=${PYTHON:-python3}
PORT=${CLOUDKITTY_QUICKSTART_PORT:-8889}
ENDPOINT=http://127.0.0.1:$PORT
CONF=$VAR/cloudkitty.conf

say() { printf '\n==> %s\n' "$*"; }
fail() { printf 'quickstart: %s\n' "$*" >&2; exit 1; }
port_open() { timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

port_open "$PORT" && fail "port $PORT is already in use; set CLOUDKITTY_QUICKSTART_PORT"

say "Installing into $VENV"
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
        || fail "Python >= 3.11 is required ($PYTHON is $("$PYTHON" -V 2>&1))"
    "$PYTHON" -m venv "$VENV"
fi
# The service, plus the official client used to load the rules and to try it.
# A re-run skips pip while this tree's packaging files are unchanged.
mapfile -t CLIENTS < <(grep -E '^python-(cloudkitty|openstack)client' test-requirements.txt)
STAMP=$VENV/.quickstart-installed
WANTED="$ROOT $(cat setup.cfg requirements.txt test-requirements.txt | sha256sum)"
if [ "$(cat "$STAMP" 2>/dev/null)" != "$WANTED" ] \
        || ! "$VENV/bin/python" -c 'import cloudkitty, cloudkittyclient, openstackclient' 2>/dev/null; then
    "$VENV/bin/python" -m pip install --disable-pip-version-check -e . "${CLIENTS[@]}" \
        >"$VAR/install.log" 2>&1 \
        || { tail -n 30 "$VAR/install.log" >&2; fail "pip install failed (see $VAR/install.log)"; }
    echo "$WANTED" >"$STAMP"
fi
export PATH=$VENV/bin:$PATH

if [ ! -f "$VAR/usage/cloud.json" ]; then
    say "Generating the sample cloud (31 days of hourly usage)"
    python -m cloudkitty.sample.generate --output "$VAR/usage" --days 31
fi

say "Writing $CONF"
mkdir -p "$VAR/locks"
[ -f "$ROOT/etc/cloudkitty/api_paste.ini" ] \
    || fail "etc/cloudkitty/api_paste.ini is missing from this tree"
cp "$ROOT/etc/cloudkitty/api_paste.ini" "$VAR/api_paste.ini"
python -m cloudkitty.sample.config --state-dir "$VAR" --port "$PORT" \
    --usage "$VAR/usage" > "$CONF"

say "Creating the database schema"
cloudkitty-dbsync --config-file "$CONF" upgrade
cloudkitty-storage-init --config-file "$CONF"

API_PID=""
PROCESSOR_PID=""
stop_daemons() {
    trap - INT TERM EXIT
    local pids=()
    [ -n "$API_PID" ] && pids+=("$API_PID")
    [ -n "$PROCESSOR_PID" ] && pids+=("$PROCESSOR_PID")
    [ "${#pids[@]}" -eq 0 ] && return
    say "Stopping cloudkitty-api and cloudkitty-processor"
    kill -TERM "${pids[@]}" 2>/dev/null || true
    local waited=0
    while kill -0 "${pids[@]}" 2>/dev/null && [ "$waited" -lt 30 ]; do
        sleep 1
        waited=$((waited + 1))
    done
    kill -KILL "${pids[@]}" 2>/dev/null || true
    wait 2>/dev/null || true
    echo "Stopped. Run ./tools/quickstart.sh again to resume."
}
trap stop_daemons EXIT
trap 'exit 130' INT TERM

say "Starting cloudkitty-api (log: $VAR/api.log)"
cloudkitty-api --config-file "$CONF" >>"$VAR/api.log" 2>&1 &
API_PID=$!

for _ in $(seq 60); do
    port_open "$PORT" && break
    kill -0 "$API_PID" 2>/dev/null || { tail -n 20 "$VAR/api.log" >&2; fail "cloudkitty-api exited"; }
    sleep 0.5
done
port_open "$PORT" || fail "cloudkitty-api does not answer on $ENDPOINT (see $VAR/api.log)"

# The rules go in before the processor starts, so the first periods it rates
# are already priced.
say "Loading the example rating rules"
python "$ROOT/tools/load_sample_rules.py" --endpoint "$ENDPOINT"

say "Starting cloudkitty-processor (log: $VAR/processor.log)"
cloudkitty-processor --config-file "$CONF" >>"$VAR/processor.log" 2>&1 &
PROCESSOR_PID=$!

cat <<EOF

The rating service is running: $ENDPOINT (no authentication).
The processor rates the sample cloud from the start of the month, hour by hour.

In another terminal, try:

    source $VENV/bin/activate
    export OS_AUTH_TYPE=cloudkitty-noauth OS_ENDPOINT=$ENDPOINT
    openstack rating summary get
    openstack rating summary get -g project_id -g type
    openstack rating dataframes get --limit 5
    openstack rating scope state get
    openstack rating module list
    openstack rating hashmap service list
    openstack rating hashmap mapping list --service-id <a Service ID from above>

Press Ctrl-C to stop both daemons.
EOF

# Run until Ctrl-C, or until a daemon dies on its own.
report_if_exited() {
    if ! kill -0 "$2" 2>/dev/null; then
        echo "cloudkitty-$1 exited; last lines of $VAR/$1.log:" >&2
        tail -n 20 "$VAR/$1.log" >&2
    fi
}
wait -n "$API_PID" "$PROCESSOR_PID" || true
report_if_exited api "$API_PID"
report_if_exited processor "$PROCESSOR_PID"
exit 1
