#!/usr/bin/env bash
# `make run`: a standalone worker with Kafka's quickstart pipeline (file source -> topic ->
# file sink) against the broker `make kafka-up` started. Ctrl-C stops the worker and broker.
set -euo pipefail
kafka_dir=$(cd "${1:?usage: $0 <kafka dir>}" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
demo=$root/target/demo
mkdir -p "$demo"
bootstrap=$(cat "$kafka_dir/bootstrap")

sed -e "s|^bootstrap.servers=.*|bootstrap.servers=$bootstrap|" \
    -e "s|^offset.storage.file.filename=.*|offset.storage.file.filename=$demo/connect.offsets|" \
    -e "s|^plugin.path=.*|plugin.path=$root/target/plugins|" \
    "$root/config/connect-standalone.properties" >"$demo/worker.properties"
cp "$root/config/connect-file-source.properties" "$root/config/connect-file-sink.properties" "$demo/"
[[ -f $demo/test.txt ]] || printf 'foo\nbar\n' >"$demo/test.txt"

stop() {
    trap - EXIT INT TERM
    if [[ -n ${worker:-} ]]; then kill "$worker" 2>/dev/null; wait "$worker" 2>/dev/null || true; fi
    "$root/tools/kafka/stop.sh" "$kafka_dir"
}
trap stop EXIT INT TERM

cd "$demo"
"$root/target/release/wasmconnect" standalone worker.properties \
    connect-file-source.properties connect-file-sink.properties &
worker=$!

cat <<MSG

wasmconnect is running (worker pid $worker, Kafka at $bootstrap), in $demo.
Try:
  echo "another line" >> $demo/test.txt && sleep 1 && cat $demo/test.sink.txt
  curl -s localhost:8083/connectors
  curl -s localhost:8083/connectors/local-file-source/status
  curl -s localhost:8083/connector-plugins
  curl -s -X PUT localhost:8083/connectors/local-file-source/pause
  curl -s -X POST --data-binary @$root/target/wasm32-wasip2/release/chaos.wasm localhost:8083/connector-plugins
Ctrl-C stops everything.

MSG
wait "$worker"
