#!/usr/bin/env bash
# Start a single-node KRaft Apache Kafka broker from the jars in .tools/kafka/lib.
#
#   tools/kafka/start.sh <dir>      (make kafka-up uses target/kafka)
#
# Formats <dir>/data once, starts the broker in the background with its logs in <dir>/logs,
# waits until it is ready, writes <dir>/pid and prints the bootstrap address.
# Ports: KAFKA_PORT (default 9092) and KAFKA_CONTROLLER_PORT (default KAFKA_PORT + 1); set
# KAFKA_PORT=0 to pick free ports. Stop it with tools/kafka/stop.sh <dir>.
set -euo pipefail

dir=${1:?usage: $0 <dir>}
root=$(cd "$(dirname "$0")/../.." && pwd)
lib=${KAFKA_LIB:-$root/.tools/kafka/lib}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

command -v java >/dev/null || { echo "java not found: install a JDK (17+)" >&2; exit 1; }
ls "$lib"/kafka_2.13-*.jar >/dev/null 2>&1 || { echo "no Kafka jars in $lib: run \`make setup\`" >&2; exit 1; }

if [[ -f $dir/pid ]] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
    echo "Kafka already running (pid $(cat "$dir/pid")) at $(cat "$dir/bootstrap")" >&2
    cat "$dir/bootstrap"
    exit 0
fi

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
port=${KAFKA_PORT:-9092}
if [[ $port == 0 ]]; then port=$(free_port); cport=$(free_port); else cport=${KAFKA_CONTROLLER_PORT:-$((port + 1))}; fi

mkdir -p "$dir/logs"
cat >"$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
num.partitions=1
auto.create.topics.enable=true
PROPS
cat >"$dir/log4j2.properties" <<PROPS
status = warn
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = $dir/logs/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = info
rootLogger.appenderRef.file.ref = FILE
logger.kafka.name = kafka
logger.kafka.level = info
logger.apache.name = org.apache.kafka
logger.apache.level = info
PROPS

cp=("$lib/*")
if [[ ! -f $dir/data/meta.properties ]]; then
    cluster_id=$(java -cp "${cp[@]}" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n1)
    java -cp "${cp[@]}" -Dlog4j2.configurationFile="$dir/log4j2.properties" \
        kafka.tools.StorageTool format --standalone -t "$cluster_id" -c "$dir/server.properties" \
        >"$dir/logs/format.out" 2>&1 || { cat "$dir/logs/format.out" >&2; exit 1; }
fi

nohup java -Xmx512m -cp "${cp[@]}" -Dlog4j2.configurationFile="$dir/log4j2.properties" \
    kafka.Kafka "$dir/server.properties" >"$dir/logs/stdout.log" 2>&1 &
pid=$!
echo "$pid" >"$dir/pid"
echo "127.0.0.1:$port" >"$dir/bootstrap"

# Ready = the listener answers a Metadata request (v4) listing at least one broker. The
# broker's own log cannot tell: with the jars' slf4j 1.x API, log4j2 gets no Kafka log lines.
metadata_ok() {
    python3 - "$port" <<'PY'
import socket, struct, sys
try:
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
    cid = b"start.sh"
    body = struct.pack(">hhih", 3, 4, 1, len(cid)) + cid + struct.pack(">ib", -1, 0)
    s.sendall(struct.pack(">i", len(body)) + body)
    head = s.recv(4)
    n = struct.unpack(">i", head)[0]
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk: sys.exit(1)
        buf += chunk
    # correlation id, throttle time, broker count
    corr, _throttle, brokers = struct.unpack(">iii", buf[:12])
    sys.exit(0 if corr == 1 and brokers > 0 else 1)
except Exception:
    sys.exit(1)
PY
}
for _ in $(seq 1 600); do
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "Kafka exited during start-up; see $dir/logs/stdout.log:" >&2
        tail -n 20 "$dir/logs/stdout.log" >&2
        rm -f "$dir/pid"
        exit 1
    fi
    if metadata_ok; then
        echo "127.0.0.1:$port"
        exit 0
    fi
    sleep 0.1
done
echo "Kafka did not start within 60 s; see $dir/logs/server.log" >&2
exit 1
