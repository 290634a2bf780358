#!/usr/bin/env bash
# Stop the broker tools/kafka/start.sh <dir> started: only the pid recorded in <dir>/pid.
set -euo pipefail
dir=${1:?usage: $0 <dir>}
[[ -f $dir/pid ]] || { echo "no $dir/pid: nothing to stop" >&2; exit 0; }
pid=$(cat "$dir/pid")
if kill "$pid" 2>/dev/null; then
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
fi
rm -f "$dir/pid"
