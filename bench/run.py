#!/usr/bin/env python3
"""`make bench`: wasmconnect against Kafka Connect and the raw Kafka client, in one run.

Starts ONE Apache Kafka broker (tools/kafka/start.sh) for the whole run, then runs every
scenario against it, several repetitions each, and writes:

  bench/results.json   every repetition, min and median, each headline figure with its target
  bench/results.md     the table (also printed), pasted into the README by --readme
  bench/chart.svg      wasmconnect against Kafka Connect

Scenarios (numbers as in issue 11; see bench/DRIVER.md):
  1 file     FileStream pipeline file -> topic -> file: Kafka Connect standalone (defaults and
             tuned) and `wasmconnect standalone` with the same configs, one after the other
  2,3,5,6    from `target/release/wasmconnect-bench` (bench/RUST.md), ratios computed here;
             2 and 3 also against kcat (librdkafka, the C client) producing and consuming
             the same number of 100-byte records, interleaved with the rskafka runs
  4          the same pipelines with the native twins (`wasmconnect-bench standalone`)
  7 density  N idle FileStreamSource connectors in one worker, both workers
  8 json     JsonConverter with schemas on ~1 KB structs: ours (bench/src/bin/json_bench.rs)
             against Kafka's (bench/java/JsonBench.java), records/s per core

Python 3.11 standard library only. Builds nothing: `make bench` builds first (mk/bench.mk).
Scale with BENCH_SCALE (0.1 = a tenth of the records), BENCH_REPS, BENCH_ONLY=file,density,…
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIB = ROOT / ".tools/kafka/lib"
WORKER_BIN = ROOT / "target/release/wasmconnect"
RUST_BENCH_BIN = ROOT / "target/release/wasmconnect-bench"
JSON_BENCH_BIN = ROOT / "target/release/json_bench"
WASM_OUT = ROOT / "target/wasm32-wasip2/release"
# The bench worker's plugin.path: the two FileStream plugins only (and their compile cache).
PLUGINS = ROOT / "target/bench/plugins"
CLK_TCK = os.sysconf("SC_CLK_TCK")
MIB = 1024 * 1024

# As Kafka's bin/connect-standalone.sh and bin/kafka-run-class.sh start the JVM (4.1).
KAFKA_HEAP_OPTS = ["-Xms256M", "-Xmx2G"]
KAFKA_JVM_PERFORMANCE_OPTS = [
    "-server", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
    "-XX:InitiatingHeapOccupancyPercent=35", "-XX:+ExplicitGCInvokesConcurrent",
    "-Djava.awt.headless=true",
]
CONNECT_MAIN = "org.apache.kafka.connect.cli.ConnectStandalone"

LINE_BYTES = 100  # each input line: 100 bytes, then "\n"

# Kafka's quickstart worker config (config/connect-standalone.properties), both workers.
QUICKSTART_WORKER = {
    "key.converter": "org.apache.kafka.connect.json.JsonConverter",
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    "key.converter.schemas.enable": "true",
    "value.converter.schemas.enable": "true",
    "offset.flush.interval.ms": "10000",
}
# The tuned Kafka Connect of issue 11; wasmconnect gets the same files.
TUNED_WORKER = {"plugin.discovery": "service_load", "producer.batch.size": "262144"}
TUNED_SOURCE = {"batch.size": "10000"}


class NotRun(Exception):
    """A scenario that could not run; the reason goes into the table, never silently."""


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def rel(path: Path) -> str:
    """`path` relative to the repository when inside it (no machine paths in results)."""
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def env_float(name: str, default: float) -> float:
    v = os.environ.get(name, "").strip()
    return float(v) if v else default


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_props(path: Path, props: dict[str, str]) -> Path:
    path.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
    return path


def summary(values: list[float]) -> dict:
    """min and median of the repetitions (and all of them)."""
    vals = [v for v in values if v is not None]
    if not vals:
        return {"min": None, "median": None, "max": None, "runs": values}
    return {"min": min(vals), "median": statistics.median(vals), "max": max(vals), "runs": values}


# ---------------------------------------------------------------- process measurement

def proc_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a live process (/proc/<pid>/stat utime + stime)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def proc_status(pid: int) -> dict[str, int]:
    """VmHWM and VmRSS (bytes) and Threads of a live process (/proc/<pid>/status)."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            out[key] = int(value.split()[0]) * 1024
        elif key == "Threads":
            out[key] = int(value)
    return out


class Worker:
    """A Kafka Connect or wasmconnect standalone worker process, its log in `dir`."""

    def __init__(self, kind: str, dir: Path, worker: dict[str, str], connectors: list[dict]):
        self.kind = kind
        self.dir = dir
        self.port = free_port()
        dir.mkdir(parents=True, exist_ok=True)
        worker = dict(worker)
        worker["listeners"] = f"http://127.0.0.1:{self.port}"
        worker["offset.storage.file.filename"] = str(dir / "offsets")
        if kind == "wasmconnect":
            worker["plugin.path"] = str(PLUGINS)
        files = [write_props(dir / "worker.properties", worker)]
        for i, c in enumerate(connectors):
            files.append(write_props(dir / f"connector-{i}.properties", c))
        if kind == "kafka-connect":
            log4j = dir / "log4j2.properties"
            log4j.write_text(
                "status = warn\n"
                "appender.file.type = File\nappender.file.name = FILE\n"
                f"appender.file.fileName = {dir / 'connect.log'}\n"
                "appender.file.layout.type = PatternLayout\n"
                "appender.file.layout.pattern = [%d] %p %m (%c)%n\n"
                "rootLogger.level = info\nrootLogger.appenderRef.file.ref = FILE\n"
            )
            cmd = ["java", *KAFKA_HEAP_OPTS, *KAFKA_JVM_PERFORMANCE_OPTS,
                   f"-Dlog4j2.configurationFile={log4j}", "-cp", f"{LIB}/*", CONNECT_MAIN]
        else:
            cmd = [str(WORKER_BIN), "standalone"]
        self.cmd = cmd + [str(f) for f in files]
        self.out = open(dir / "stdout.log", "wb")
        self.started = time.monotonic()
        self.proc = subprocess.Popen(self.cmd, stdout=self.out, stderr=subprocess.STDOUT,
                                     cwd=dir, start_new_session=True)
        self.pid = self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def check_alive(self) -> None:
        if not self.alive():
            lines = (self.dir / "stdout.log").read_text(errors="replace").splitlines()
            why = [l for l in lines if "ERROR" in l or "Exception" in l or "error:" in l]
            raise NotRun(f"{self.kind} exited with {self.proc.returncode} "
                         f"(log: {rel(self.dir / 'stdout.log')}): "
                         + " | ".join((why or lines)[:2] + (why or lines)[-1:])[-600:])

    def cpu_s(self) -> float:
        return proc_cpu_s(self.pid)

    def status(self) -> dict[str, int]:
        return proc_status(self.pid)

    def rest(self, method: str, path: str, body: dict | None = None, timeout: float = 30):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data,
                                     method=method,
                                     headers={"content-type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                text = r.read()
                return r.status, (json.loads(text) if text else None)
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode(errors="replace")

    def wait_rest(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                if self.rest("GET", "/connectors", timeout=2)[0] == 200:
                    return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.1)
        raise NotRun(f"{self.kind} REST did not answer within {timeout:.0f} s")

    def stop(self) -> None:
        if self.alive():
            os.killpg(self.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.pid, signal.SIGKILL)
                self.proc.wait()
        self.out.close()


# ---------------------------------------------------------------- broker

class Broker:
    def __init__(self, dir: Path, external: str | None):
        self.dir = dir
        self.external = external
        if external:
            self.bootstrap = external
            return
        if (dir / "pid").exists():
            subprocess.run([ROOT / "tools/kafka/stop.sh", dir], check=False)
        shutil.rmtree(dir, ignore_errors=True)
        log("starting the Kafka broker")
        out = subprocess.run([ROOT / "tools/kafka/start.sh", dir], env={**os.environ,
                             "KAFKA_PORT": "0"}, capture_output=True, text=True)
        if out.returncode != 0:
            raise SystemExit(f"cannot start the broker: {out.stderr}")
        self.bootstrap = (dir / "bootstrap").read_text().strip()

    def pid(self) -> int | None:
        p = self.dir / "pid"
        return int(p.read_text()) if not self.external and p.exists() else None

    def stop(self) -> None:
        if not self.external:
            subprocess.run([ROOT / "tools/kafka/stop.sh", self.dir], check=False)


# ---------------------------------------------------------------- Kafka admin requests

# The few the driver sends itself (the rskafka binaries create their own topics): create kcat's
# topic and wait until it has a leader, read a partition's end offset (kcat -P's check), delete
# each pipeline repetition's topics. Classic (non-flexible) request versions that Kafka 4 still
# accepts, sent to the first bootstrap broker: enough for the one-broker setups of make bench
# and the tests.

def _kstr(s: str) -> bytes:
    b = s.encode()
    return struct.pack(">h", len(b)) + b


def _karr(items: list[bytes]) -> bytes:
    return struct.pack(">i", len(items)) + b"".join(items)


class _KReader:
    def __init__(self, buf: bytes):
        self.buf, self.pos = buf, 0

    def take(self, fmt: str):
        try:
            v = struct.unpack_from(fmt, self.buf, self.pos)
        except struct.error:
            raise NotRun(f"short Kafka response ({len(self.buf)} bytes)")
        self.pos += struct.calcsize(fmt)
        return v[0]

    def string(self) -> str | None:
        n = self.take(">h")
        if n < 0:
            return None
        s = self.buf[self.pos:self.pos + n].decode(errors="replace")
        self.pos += n
        return s


def kafka_call(bootstrap: str, api_key: int, version: int, body: bytes,
               timeout: float = 30) -> _KReader:
    """One request (header v1), its response body after the correlation id."""
    host, _, port = bootstrap.split(",")[0].strip().rpartition(":")
    client = b"bench-run.py"
    req = struct.pack(">hhih", api_key, version, 7, len(client)) + client + body
    try:
        with socket.create_connection((host, int(port)), timeout=timeout) as s:
            s.sendall(struct.pack(">i", len(req)) + req)
            buf = b""
            while len(buf) < 4 or len(buf) < 4 + struct.unpack(">i", buf[:4])[0]:
                chunk = s.recv(1 << 16)
                if not chunk:
                    raise NotRun(f"broker {bootstrap} closed the connection (api {api_key} "
                                 f"v{version})")
                buf += chunk
    except OSError as e:
        raise NotRun(f"broker {bootstrap}: {e}")
    r = _KReader(buf[4:])
    if r.take(">i") != 7:
        raise NotRun(f"broker {bootstrap}: unexpected correlation id")
    return r


def end_offset(bootstrap: str, topic: str, partition: int = 0) -> tuple[int, int]:
    """(error code, end offset) of one partition: ListOffsets v1, latest."""
    body = struct.pack(">i", -1) + _karr([_kstr(topic) + _karr([struct.pack(">iq", partition,
                                                                           -1)])])
    r = kafka_call(bootstrap, 2, 1, body)
    for _ in range(r.take(">i")):
        r.string()
        for _ in range(r.take(">i")):
            p, err, _ts, offset = r.take(">i"), r.take(">h"), r.take(">q"), r.take(">q")
            if p == partition:
                return err, offset
    return 3, -1  # UNKNOWN_TOPIC_OR_PARTITION


def create_topic(bootstrap: str, topic: str, partitions: int = 1, timeout: float = 30) -> None:
    """CreateTopics v4 (the broker's default replication factor), then wait until the
    partitions answer ListOffsets, so that a client started next finds the topic led."""
    body = _karr([_kstr(topic) + struct.pack(">ih", partitions, -1) + _karr([]) + _karr([])])
    r = kafka_call(bootstrap, 19, 4, body + struct.pack(">ib", int(timeout * 1000), 0), timeout)
    r.take(">i")
    for _ in range(r.take(">i")):
        name, err, msg = r.string(), r.take(">h"), r.string()
        if err:
            raise NotRun(f"creating topic {name}: error {err} {msg or ''}".strip())
    deadline = time.monotonic() + timeout
    pending = set(range(partitions))
    while pending:
        pending = {p for p in pending if end_offset(bootstrap, topic, p)[0] != 0}
        if pending and time.monotonic() > deadline:
            raise NotRun(f"topic {topic}: partitions {sorted(pending)} without a leader after "
                         f"{timeout:.0f} s")
        if pending:
            time.sleep(0.005)


def delete_topics(bootstrap: str, topics: list[str]) -> None:
    """DeleteTopics v1; a topic that is not there is fine (a run that failed before making
    it). Other errors are logged: they cost disk, not correctness."""
    try:
        r = kafka_call(bootstrap, 20, 1, _karr([_kstr(t) for t in topics]) +
                       struct.pack(">i", 30_000))
        r.take(">i")
        for _ in range(r.take(">i")):
            name, err = r.string(), r.take(">h")
            if err not in (0, 3):
                log(f"deleting topic {name}: error {err}")
    except NotRun as e:
        log(f"deleting topics: {e}")



# ---------------------------------------------------------------- scenario 1: file pipeline

def make_input(path: Path, lines: int) -> str:
    """`lines` deterministic 100-byte lines; returns their sha256."""
    if path.exists() and path.stat().st_size == lines * (LINE_BYTES + 1):
        return hashlib.sha256(path.read_bytes()).hexdigest()
    pad = "abcdefghijklmnopqrstuvwxyz0123456789" * 4
    h = hashlib.sha256()
    with open(path, "w") as f:
        chunk = []
        for i in range(lines):
            chunk.append(f"line {i:012d} " + pad[i % 36: i % 36 + LINE_BYTES - 18] + "\n")
            if len(chunk) == 10000:
                s = "".join(chunk)
                f.write(s)
                h.update(s.encode())
                chunk = []
        s = "".join(chunk)
        f.write(s)
        h.update(s.encode())
    return h.hexdigest()


def file_run(cfg: dict, broker: Broker, work: Path, input: Path, lines: int,
             sha: str, timeout: float) -> dict:
    """One FileStream pipeline run; done when the sink file holds every line."""
    topic = f"bench-file-{cfg['name']}-{time.time_ns() % 10**12}"
    out = work / "out.txt"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    worker = {"bootstrap.servers": broker.bootstrap, **QUICKSTART_WORKER, **cfg["worker"]}
    source = {"name": "local-file-source", "connector.class": "FileStreamSource",
              "tasks.max": "1", "file": str(input), "topic": topic, **cfg["source"]}
    sink = {"name": "local-file-sink", "connector.class": "FileStreamSink",
            "tasks.max": "1", "file": str(out), "topics": topic}
    expected = lines * (LINE_BYTES + 1)
    w = Worker(cfg["kind"], work / "worker", worker, [source, sink])
    try:
        first = cpu_first = None
        size = 0
        while True:
            now = time.monotonic()
            try:
                size = out.stat().st_size
            except FileNotFoundError:
                size = 0
            if first is None and size > 0:
                first, cpu_first = now, w.cpu_s()
            if size >= expected:
                break
            w.check_alive()
            if now - w.started > timeout:
                raise NotRun(f"{cfg['name']}: {size // (LINE_BYTES + 1)} of {lines} lines "
                             f"after {timeout:.0f} s")
            time.sleep(0.001 if first is None else 0.05)
        done = time.monotonic()
        cpu = w.cpu_s()
        st = w.status()
    finally:
        w.stop()
    got = hashlib.sha256(out.read_bytes()).hexdigest() if size == expected else None
    transfer = max(done - first, 1e-9)
    return {
        "lines": lines,
        "first_line_s": first - w.started,
        "wall_s": done - w.started,
        "lines_per_s": lines / transfer,
        "cpu_s": cpu,
        "startup_cpu_s": cpu_first,
        "lines_per_cpu_s": lines / cpu,
        "us_cpu_per_line_steady": (cpu - cpu_first) / lines * 1e6,
        "peak_rss_mib": st["VmHWM"] / MIB,
        "threads": st["Threads"],
        "output_identical": got == sha,
    }


FILE_CONFIGS = [
    {"name": "kc-default", "kind": "kafka-connect", "worker": {}, "source": {},
     "label": "Kafka Connect (as its scripts start it)"},
    {"name": "kc-tuned", "kind": "kafka-connect", "worker": TUNED_WORKER,
     "source": TUNED_SOURCE, "label": "Kafka Connect (tuned)"},
    {"name": "wc-default", "kind": "wasmconnect", "worker": {}, "source": {},
     "label": "wasmconnect (same configs as kc-default)"},
    {"name": "wc-tuned", "kind": "wasmconnect", "worker": TUNED_WORKER,
     "source": TUNED_SOURCE, "label": "wasmconnect (same configs as kc-tuned)"},
]
FILE_METRICS = ["lines_per_s", "lines_per_cpu_s", "us_cpu_per_line_steady", "cpu_s",
                "startup_cpu_s", "peak_rss_mib", "first_line_s", "wall_s"]


def scenario_file(ctx: dict) -> dict:
    lines = max(1000, int(2_000_000 * ctx["scale"]))
    data = ctx["work"] / "file-input"
    data.mkdir(parents=True, exist_ok=True)
    input = data / "in.txt"
    sha = make_input(input, lines)
    timeout = 60 + lines / 5000  # fails a run slower than 5k lines/s
    result = {"lines": lines, "line_bytes": LINE_BYTES, "configs": {}}
    if not ctx["smoke"]:
        # Warm-up, discarded: page cache for the jars and the input, compiled-plugin cache.
        warm = data / "warm.txt"
        warm_sha = make_input(warm, max(1000, lines // 20))
        for cfg in (FILE_CONFIGS[0], FILE_CONFIGS[2]):
            log(f"file: warm-up {cfg['name']} (discarded)")
            try:
                file_run(cfg, ctx["broker"], ctx["work"] / "file-warm", warm,
                         max(1000, lines // 20), warm_sha, timeout)
            except NotRun as e:
                log(f"file: warm-up failed: {e}")
    for cfg in FILE_CONFIGS:
        runs, errors = [], []
        for rep in range(ctx["reps"]):
            log(f"file: {cfg['name']} run {rep + 1}/{ctx['reps']}, {lines} lines")
            try:
                r = file_run(cfg, ctx["broker"], ctx["work"] / f"file-{cfg['name']}", input,
                             lines, sha, timeout)
                log(f"file: {cfg['name']}: {r['lines_per_s']:.0f} lines/s, cpu {r['cpu_s']:.1f} s,"
                    f" rss {r['peak_rss_mib']:.0f} MiB, first {r['first_line_s']:.3f} s")
                if not r["output_identical"]:
                    errors.append("sink file differs from the input")
                runs.append(r)
            except NotRun as e:
                log(f"file: {cfg['name']}: {e}")
                errors.append(str(e))
        entry = {"label": cfg["label"], "kind": cfg["kind"], "worker": cfg["worker"],
                 "source": cfg["source"], "runs": runs, "errors": errors}
        for m in FILE_METRICS:
            entry[m] = summary([r[m] for r in runs])
        result["configs"][cfg["name"]] = entry
    return result


# ---------------------------------------------------------------- scenario 7: density

def all_running(w: Worker, n: int) -> bool:
    code, body = w.rest("GET", "/connectors?expand=status", timeout=60)
    if code != 200 or not isinstance(body, dict):
        return False
    running = 0
    for v in body.values():
        tasks = v.get("status", {}).get("tasks", [])
        if tasks and all(t.get("state") == "RUNNING" for t in tasks):
            running += 1
    return running >= n


def density_run(kind: str, n: int, broker: Broker, work: Path, idle_s: float,
                extra: dict[str, str]) -> dict:
    shutil.rmtree(work, ignore_errors=True)
    files = work / "files"
    files.mkdir(parents=True)
    worker = {"bootstrap.servers": broker.bootstrap, **QUICKSTART_WORKER, **extra}
    w = Worker(kind, work / "worker", worker, [])
    try:
        w.wait_rest(120)
        time.sleep(2)
        base = w.status()
        base_cpu = w.cpu_s()
        t0 = time.monotonic()
        for i in range(n):
            f = files / f"idle-{i}.txt"
            f.touch()
            code, body = w.rest("POST", "/connectors", {"name": f"idle-{i}", "config": {
                "connector.class": "FileStreamSource", "tasks.max": "1", "file": str(f),
                "topic": "bench-density"}}, timeout=120)
            if code != 201:
                raise NotRun(f"{kind}: creating connector {i} answered {code}: {str(body)[:300]}")
        deadline = time.monotonic() + 120
        while not all_running(w, n):
            w.check_alive()
            if time.monotonic() > deadline:
                raise NotRun(f"{kind}: not all {n} connectors RUNNING after 120 s")
            time.sleep(0.5)
        create_s = time.monotonic() - t0
        time.sleep(min(5, idle_s))
        c0, t1 = w.cpu_s(), time.monotonic()
        time.sleep(idle_s)
        idle_cpu = (w.cpu_s() - c0) / (time.monotonic() - t1)
        st = w.status()
    finally:
        w.stop()
    return {
        "tasks": n,
        "base_rss_mib": base["VmRSS"] / MIB,
        "rss_mib": st["VmRSS"] / MIB,
        "rss_per_task_mib": (st["VmRSS"] - base["VmRSS"]) / MIB / n,
        "base_threads": base["Threads"],
        "threads": st["Threads"],
        "threads_per_task": (st["Threads"] - base["Threads"]) / n,
        "idle_cpu_percent": idle_cpu * 100,
        "create_s": create_s,
        "startup_cpu_s": base_cpu,
    }


def scenario_density(ctx: dict) -> dict:
    n_wc = max(10, int(env_float("BENCH_DENSITY_TASKS", 1000 * min(ctx["scale"], 1))))
    n_kc = max(10, int(env_float("BENCH_DENSITY_KC_TASKS", 200 * min(ctx["scale"], 1))))
    idle_s = 2.0 if ctx["smoke"] else 10.0
    result = {"idle_window_s": idle_s}
    for kind, n, extra in (
        ("kafka-connect", n_kc, {}),
        # every connector and task holds an instance; leave the pool room for all of them
        ("wasmconnect", n_wc, {"wasm.instances.max": str(2 * n_wc + 16)}),
    ):
        reps = 1 if ctx["smoke"] else min(ctx["reps"], 2)
        runs, errors = [], []
        for rep in range(reps):
            log(f"density: {kind}, {n} idle FileStreamSource connectors, run {rep + 1}/{reps}")
            try:
                r = density_run(kind, n, ctx["broker"], ctx["work"] / f"density-{kind}",
                                idle_s, extra)
                log(f"density: {kind}: {r['rss_per_task_mib']:.3f} MiB/task, "
                    f"{r['threads_per_task']:.2f} threads/task, idle cpu {r['idle_cpu_percent']:.1f}%")
                runs.append(r)
            except NotRun as e:
                log(f"density: {e}")
                errors.append(str(e))
        entry = {"tasks": n, "runs": runs, "errors": errors}
        for m in ("rss_per_task_mib", "threads_per_task", "idle_cpu_percent", "base_rss_mib",
                  "rss_mib", "threads"):
            entry[m] = summary([r[m] for r in runs])
        result[kind] = entry
    return result


# ---------------------------------------------------------------- scenario 8: json

def run_json(cmd: list[str], what: str, timeout: float) -> dict:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        raise NotRun(f"{what} took over {timeout:.0f} s")
    if out.returncode != 0:
        raise NotRun(f"{what} exited {out.returncode}: {out.stderr.strip()[-400:]}")
    try:
        return json.loads(out.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise NotRun(f"{what} printed no JSON: {out.stdout[-300:]}")


def scenario_json(ctx: dict) -> dict:
    records = max(2000, int(200_000 * ctx["scale"]))
    reps = max(3, ctx["reps"])
    warmup = max(2000, records)
    args = ["--records", str(records), "--reps", str(reps), "--warmup", str(warmup)]
    result = {"records_per_rep": records, "reps": reps, "warmup_records": warmup}
    log(f"json: Kafka's JsonConverter, {reps} x {records} records after {warmup} warm-up")
    try:
        result["kafka"] = run_json(
            ["java", *KAFKA_HEAP_OPTS, "-cp", f"{LIB}/*", str(ROOT / "bench/java/JsonBench.java"),
             *args], "JsonBench.java", 600)
    except NotRun as e:
        result["kafka"] = {"error": str(e)}
    log("json: ours")
    try:
        if not JSON_BENCH_BIN.exists():
            raise NotRun("target/release/json_bench is not built (bench/src/bin/json_bench.rs; "
                         "cargo build --release -p wasmconnect-bench)")
        result["wasmconnect"] = run_json([str(JSON_BENCH_BIN), *args], "json_bench", 600)
    except NotRun as e:
        result["wasmconnect"] = {"error": str(e)}
    k, w = result["kafka"], result["wasmconnect"]
    if "error" not in k and "error" not in w:
        result["same_bytes"] = k.get("serialized_fnv1a64") == w.get("serialized_fnv1a64")
        for op in ("serialize", "deserialize"):
            result[f"{op}_ratio"] = w[op]["median"] / k[op]["median"]
    return result


# ---------------------------------------------------------------- scenarios 2,3: kcat

# kcat (Debian's 1.7.1, on librdkafka 2.0.2) is the C-client limit beside the rskafka
# baselines. The producer keeps librdkafka's defaults, which already match produce-raw where it
# matters: acks=all, no compression, no idempotence; linger.ms=5, batch.num.messages=10000 and
# batch.size=1000000 are its own batching. The consumer fetches 4 MiB per partition, as
# fetch-raw and the sink pipeline (consumer.max.partition.fetch.bytes) do; its default is 1 MiB.
KCAT_PRODUCE_PROPS: dict[str, str] = {}
KCAT_CONSUME_PROPS = {"max.partition.fetch.bytes": "4194304"}


def kcat_version() -> str | None:
    """e.g. "kcat 1.7.1, librdkafka 2.0.2", or None when kcat is not installed."""
    if shutil.which("kcat") is None:
        return None
    try:
        out = subprocess.run(["kcat", "-V"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    v = re.search(r"Version (\S+)", out)
    lib = re.search(r"librdkafka (\S+)", out)
    return f"kcat {v.group(1) if v else '?'}, librdkafka {lib.group(1) if lib else '?'}"


def run_measured(cmd: list[str], stdout, stderr: Path, timeout: float) -> dict:
    """Runs `cmd` to its exit: wall time from just before the spawn to the exit, the
    process's CPU (user + system, all threads) from its rusage (wait4), its peak RSS. Killed
    after `timeout` s."""
    with open(stderr, "wb") as err:
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=stdout, stderr=err,
                                start_new_session=True)
        killed = []

        def kill():
            killed.append(True)
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        # Peak RSS: VmHWM, sampled every 10 ms. Not rusage's ru_maxrss: exec keeps the high
        # water mark of the memory the child had before (Python's, through vfork).
        peak = [0]
        stop = threading.Event()

        def sample():
            while True:
                try:
                    peak[0] = max(peak[0], proc_status(proc.pid).get("VmHWM", 0))
                except (OSError, ValueError):
                    pass
                if stop.wait(0.01):
                    return

        timer = threading.Timer(timeout, kill)
        sampler = threading.Thread(target=sample, daemon=True)
        timer.start()
        sampler.start()  # Popen returned after the exec: VmHWM is kcat's own from here on
        try:
            # Wait without reaping first: the timer can never signal a recycled pid.
            os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)
            t1 = time.monotonic()
        except BaseException:  # e.g. ^C: kcat runs in its own session and would not see it
            kill()
            raise
        finally:
            timer.cancel()
            stop.set()
            timer.join()
            sampler.join()
        _, status, ru = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {"wall_s": t1 - t0, "cpu_s": ru.ru_utime + ru.ru_stime,
            "peak_rss_mib": peak[0] / MIB if peak[0] else None,
            "returncode": proc.returncode, "timed_out": bool(killed)}


def _kcat_failed(what: str, m: dict, stderr: Path, timeout: float) -> NotRun:
    tail = " | ".join(stderr.read_text(errors="replace").strip().splitlines()[-3:])[-400:]
    if m["timed_out"]:
        return NotRun(f"{what} did not finish within {timeout:.0f} s: {tail}")
    return NotRun(f"{what} exited {m['returncode']}: {tail}")


def kcat_props(props: dict[str, str]) -> list[str]:
    return [a for k, v in props.items() for a in ("-X", f"{k}={v}")]


def kcat_produce(bootstrap: str, topic: str, input: Path, records: int, work: Path) -> dict:
    """`kcat -P -l <input>` to a fresh one-partition topic (created first, as produce-raw
    creates its own before its window): one record per line, the line without its newline as
    the value, no key. Checked: the topic ends at offset `records` once kcat has exited (it
    exits when every delivery report is in)."""
    if shutil.which("kcat") is None:
        raise NotRun("kcat is not installed (Debian package kcat; make bench installs it)")
    work.mkdir(parents=True, exist_ok=True)
    create_topic(bootstrap, topic)
    timeout = 60 + records / 10_000
    cmd = ["kcat", "-P", "-b", bootstrap, "-t", topic, *kcat_props(KCAT_PRODUCE_PROPS),
           "-l", str(input)]
    m = run_measured(cmd, subprocess.DEVNULL, work / "produce.stderr", timeout)
    if m["returncode"] != 0:
        raise _kcat_failed("kcat -P", m, work / "produce.stderr", timeout)
    err, end = end_offset(bootstrap, topic)
    if err or end != records:
        raise NotRun(f"kcat -P: topic {topic} ends at {end} (error {err}), not {records}")
    return kcat_result("kcat-produce", topic, records, LINE_BYTES, m)


def kcat_consume(bootstrap: str, topic: str, records: int, value_size: int, work: Path,
                 sha: str | None = None) -> dict:
    """`kcat -C -o 0 -e -c <records>` of `topic` into a file (each value and a newline).
    Checked: `records` lines of `value_size` bytes, and when `sha` is given the file's
    SHA-256 (the topic kcat produced from the input file reads back as that file)."""
    if shutil.which("kcat") is None:
        raise NotRun("kcat is not installed (Debian package kcat; make bench installs it)")
    work.mkdir(parents=True, exist_ok=True)
    out = consume_file(work, records * (value_size + 1))
    timeout = 60 + records / 10_000
    # -o 0, not -o beginning: the same on these fresh topics, without the ListOffsets query,
    # which librdkafka 2.0.2 sometimes sends before it knows the leader and then retries after
    # a fixed 500 ms (11 of 410 runs with 10,000 records; none of 270 with -o 0).
    # -c: exit on the last record, as fetch-raw stops at --records. With -e alone kcat
    # learns of the end only from one more fetch, which the broker holds for
    # fetch.wait.max.ms (500) since nothing new comes. -e still ends it early if the topic
    # holds fewer records (the check below then fails).
    # stdbuf: kcat fwrites each record to a stdout that stdio buffers by 4 KiB: 50,000 write
    # calls for 2,000,000 records, which cost more than the consuming (such a run to tmpfs:
    # 1.1 s with a 1 MiB buffer, 2.0 s without; to /dev/null 0.7 s).
    buffered = ["stdbuf", "-o1M"] if shutil.which("stdbuf") else []
    cmd = [*buffered, "kcat", "-C", "-b", bootstrap, "-t", topic, "-o", "0", "-e",
           "-c", str(records), *kcat_props(KCAT_CONSUME_PROPS)]
    lines, size, h = 0, 0, hashlib.sha256()
    try:
        with open(out, "wb") as f:
            m = run_measured(cmd, f, work / "consume.stderr", timeout)
        if m["returncode"] != 0:
            raise _kcat_failed("kcat -C", m, work / "consume.stderr", timeout)
        with open(out, "rb") as f:
            while chunk := f.read(1 << 20):
                lines += chunk.count(b"\n")
                size += len(chunk)
                if sha:
                    h.update(chunk)
    finally:
        out.unlink(missing_ok=True)
    if lines != records or size != records * (value_size + 1):
        raise NotRun(f"kcat -C wrote {lines} lines, {size} bytes; expected {records} lines of "
                     f"{value_size} bytes")
    if sha and h.hexdigest() != sha:
        raise NotRun(f"kcat -C: what it read from {topic} differs from the file produced")
    r = kcat_result("kcat-consume", topic, records, value_size, m)
    r["checked"] = "sha256 of the input file" if sha else f"{records} lines of {value_size} B"
    r["stdout_buffer"] = "1 MiB (stdbuf -o1M)" if buffered else "stdio's default"
    r["output_dir"] = rel(out.parent)
    return r


def consume_file(work: Path, size: int) -> Path:
    """Where kcat -C writes: in memory (/dev/shm) when it has room for twice the output, so
    that the disk's state (the broker's own writeback, other load) stays out of kcat's time,
    as the other sink rows write nothing; else the work directory."""
    shm = Path("/dev/shm")
    try:
        st = os.statvfs(shm)
        if st.f_bavail * st.f_frsize > 2 * size and os.access(shm, os.W_OK):
            return shm / f"wasmconnect-bench-kcat-{os.getpid()}.txt"
    except OSError:
        pass
    return work / "consumed.txt"


def kcat_result(scenario: str, topic: str, records: int, value_size: int, m: dict) -> dict:
    """As bench/RUST.md's throughput fields, the window being the whole process."""
    return {"scenario": scenario, "topic": topic, "records": records,
            "bytes": records * value_size, "seconds": m["wall_s"],
            "records_per_s": records / m["wall_s"],
            "mb_per_s": records * value_size / m["wall_s"] / 1e6,
            "cpu_seconds": m["cpu_s"], "cpu_us_per_record": m["cpu_s"] / records * 1e6,
            "peak_rss_mib": m["peak_rss_mib"]}


# ---------------------------------------------------------------- scenarios 2,3,5,6: Rust side

def rust_bench(args: list[str], timeout: float = 600) -> dict:
    if not RUST_BENCH_BIN.exists():
        raise NotRun("target/release/wasmconnect-bench is not built (bench/ crate)")
    return run_json([str(RUST_BENCH_BIN), *args], f"wasmconnect-bench {args[0]}", timeout)


# Scenarios 2, 3 and 4 and their baselines run in one loop of repetitions. A run takes a
# second or two and varies by ±15 % on a 2-core machine, and the machine (other load) and the
# broker (page cache, its log growing by ~1 GB per repetition) drift over the minutes the loop
# takes: run one kind after another, each five times, and a drift lands on one side of a ratio
# only (0.72–1.05 between runs of the same code). So each repetition runs every kind once on
# fresh topics (deleted at its end), in an order reversed every other repetition (raw, ours,
# native, kcat; then kcat, native, ours, raw), so neither side of a pair always goes first; the
# first repetition is a discarded warm-up; and each ratio is the median of the per-repetition
# ratios, with their min and max as its spread.
PIPELINE_REPS = 10
PIPE_KINDS = ("raw", "ours", "native", "kcat")
PIPE_LABELS = {
    ("source", "raw"): "produce-raw", ("source", "ours"): "source-pipeline",
    ("source", "native"): "source-pipeline (native twin)", ("source", "kcat"): "kcat -P",
    ("sink", "raw"): "fetch-raw", ("sink", "ours"): "sink-pipeline",
    ("sink", "native"): "sink-pipeline (native twin)", ("sink", "kcat"): "kcat -C",
}
# A sink-side run reads the topic a source-side run of the same repetition wrote.
PIPE_NEEDS = {("sink", "raw"): ("source", "ours"), ("sink", "ours"): ("source", "ours"),
              ("sink", "native"): ("source", "native")}


def same_checksums(*groups: list[dict]) -> bool:
    """Whether every run wrote or read the same records (bench/RUST.md `checksum`)."""
    sums = {r.get("checksum") for g in groups for r in g}
    return len(sums) == 1 and None not in sums


def rate(run: dict) -> float:
    for k in ("records_per_s", "records_per_sec", "rate"):
        if k in run:
            return float(run[k])
    raise NotRun(f"no records_per_s in {sorted(run)}")


def paired(num: dict[int, dict], den: dict[int, dict]) -> dict | None:
    """rate(num) ÷ rate(den) per repetition that ran both: median, min, max and each."""
    reps = sorted(set(num) & set(den))
    if not reps:
        return None
    vals = [rate(num[r]) / rate(den[r]) for r in reps]
    return {"median": statistics.median(vals), "min": min(vals), "max": max(vals),
            "pairs": vals}


def put_ratio(entry: dict, key: str, p: dict | None) -> None:
    if p is None:
        entry[f"{key}_error"] = "no repetition ran both"
        return
    entry[key] = p["median"]
    entry[f"{key}_min"], entry[f"{key}_max"], entry[f"{key}_pairs"] = p["min"], p["max"], p["pairs"]


def pipeline_loop(ctx: dict, n: int) -> tuple[dict, dict, dict]:
    """Every kind of PIPE_KINDS on the source side, then on the sink side, per repetition.
    Returns runs[side][kind][rep], errors[(side, kind)] (a kind that failed once runs no
    more: its row says why) and what the loop did."""
    b = ctx["broker"].bootstrap
    stamp = time.time_ns() % 10**12
    reps = ctx["reps"] if ctx["smoke"] else max(ctx["reps"], PIPELINE_REPS)
    warm = 0 if ctx["smoke"] else 1
    kwork = ctx["work"] / "kcat"
    kwork.mkdir(parents=True, exist_ok=True)
    kinput = kwork / "in.txt"
    ksha = make_input(kinput, n)

    def topic(kind: str, i: int) -> str:
        return f"bench-{kind}-{stamp}-{i}"

    gen = ["--records", str(n), "--value-size", "100", "--batch", "1000"]
    native = ["--worker", str(RUST_BENCH_BIN)]
    # The worker fetches as much per partition as the raw fetch does (its default is Kafka's
    # 1 MiB; `fetch-raw` asks for 4 MiB).
    same_fetch = ["--worker-prop", "consumer.max.partition.fetch.bytes=4194304"]

    def kcat_sink(i: int, done: set) -> dict:
        # The topic fetch-raw and the sink pipeline read; without it, the one kcat -P wrote.
        if ("source", "ours") in done:
            r = kcat_consume(b, topic("src", i), n, 100, kwork)
            r["topic_from"] = "source-pipeline"
        elif ("source", "kcat") in done:
            r = kcat_consume(b, topic("kcat", i), n, LINE_BYTES, kwork, ksha)
            r["topic_from"] = "kcat -P"
        else:
            raise NotRun("no topic to read: neither source-pipeline nor kcat -P ran")
        return r

    steps = {
        ("source", "raw"): lambda i, d: rust_bench(
            ["produce-raw", "--bootstrap", b, "--topic", topic("raw", i), *gen]),
        ("source", "ours"): lambda i, d: rust_bench(
            ["source-pipeline", "--bootstrap", b, "--topic", topic("src", i), *gen]),
        ("source", "native"): lambda i, d: rust_bench(
            ["source-pipeline", "--bootstrap", b, "--topic", topic("nsrc", i), *gen, *native]),
        ("source", "kcat"): lambda i, d: kcat_produce(b, topic("kcat", i), kinput, n, kwork),
        ("sink", "raw"): lambda i, d: rust_bench(
            ["fetch-raw", "--bootstrap", b, "--topic", topic("src", i), "--records", str(n)]),
        ("sink", "ours"): lambda i, d: rust_bench(
            ["sink-pipeline", "--bootstrap", b, "--topic", topic("src", i), "--records", str(n),
             *same_fetch]),
        ("sink", "native"): lambda i, d: rust_bench(
            ["sink-pipeline", "--bootstrap", b, "--topic", topic("nsrc", i), "--records",
             str(n), *native, *same_fetch]),
        ("sink", "kcat"): kcat_sink,
    }
    runs: dict = {side: {kind: {} for kind in PIPE_KINDS} for side in ("source", "sink")}
    errors: dict[tuple[str, str], str] = {}
    warmup: dict[str, dict] = {}
    for i in range(warm + reps):
        rep = i - warm
        label = "warm-up" if rep < 0 else f"run {rep + 1}/{reps}"
        order = PIPE_KINDS if i % 2 == 0 else PIPE_KINDS[::-1]
        done: set = set()
        for side in ("source", "sink"):
            for kind in order:
                key = (side, kind)
                if key in errors:
                    continue
                what = PIPE_LABELS[key]
                dep = PIPE_NEEDS.get(key)
                if dep and dep not in done:
                    errors[key] = (f"needs the topic {PIPE_LABELS[dep]} writes, and that did not "
                                   f"run ({label})")
                    continue
                log(f"{side}: {what}, {label}" + (" (discarded)" if rep < 0 else ""))
                try:
                    r = steps[key](i, done)
                except NotRun as e:
                    errors[key] = f"{what} ({label}): {e}"
                    log(f"{side}: {errors[key]}")
                    continue
                done.add(key)
                r["repetition"] = rep + 1 if rep >= 0 else "warm-up"
                log(f"{side}: {what}: {rate(r):,.0f} records/s")
                if rep < 0:
                    warmup[f"{side} {kind}"] = r
                else:
                    runs[side][kind][rep] = r
        delete_topics(b, [topic(k, i) for k in ("raw", "src", "nsrc", "kcat")])
    loop = {"repetitions": reps, "warmup_repetitions": warm,
            "order": "per repetition: source side then sink side, each "
                     + ", ".join(PIPE_KINDS) + ", reversed every other repetition",
            "warmup": warmup, "kcat_input": rel(kinput)}
    return runs, errors, loop


def scenario_rust(ctx: dict) -> dict:
    """Scenarios 5 (criterion boundary), 6 (start), then 2 (source), 3 (sink) and 4 (native
    twins) with their rskafka and kcat baselines."""
    n = max(10_000, int(2_000_000 * ctx["scale"]))
    res: dict = {"records": n, "value_size": 100, "batch": 1000}
    # 5 first: one thread measured by criterion, best on a quiet broker (the pipeline loop
    # leaves topics for the broker to delete in the background).
    res["boundary"], res["boundary_run"] = read_criterion(ctx)
    # 6: task start.
    try:
        starts = "20" if ctx["smoke"] else "200"
        res["start"] = rust_bench(["start", "--iterations", starts,
                                   "--work-dir", str(ctx["work"] / "rust")])
    except NotRun as e:
        res["start"] = {"error": str(e)}

    runs, errors, res["pipeline_loop"] = pipeline_loop(ctx, n)
    # 2 and 3: ours ÷ rskafka (the target) and ours ÷ kcat (information), per repetition.
    for side in ("source", "sink"):
        bad = [errors[(side, k)] for k in ("raw", "ours") if (side, k) in errors]
        if bad:
            res[side] = {"error": "; ".join(dict.fromkeys(bad))}
            continue
        raw, ours = runs[side]["raw"], runs[side]["ours"]
        e = {"raw": list(raw.values()), "pipeline": list(ours.values()),
             "raw_records_per_s": summary([rate(r) for r in raw.values()]),
             "pipeline_records_per_s": summary([rate(r) for r in ours.values()])}
        put_ratio(e, "ratio", paired(ours, raw))
        e["ratio_of_medians"] = (e["pipeline_records_per_s"]["median"]
                                 / e["raw_records_per_s"]["median"])
        e["same_records"] = same_checksums(e["raw"], e["pipeline"])
        if (side, "kcat") in errors:
            e["kcat_ratio_error"] = errors[(side, "kcat")]
        else:
            put_ratio(e, "kcat_ratio", paired(ours, runs[side]["kcat"]))
        res[side] = e
    # 4: wasm time ÷ native time for the same records = native rate ÷ wasm rate.
    nat: dict = {}
    for side in ("source", "sink"):
        if (side, "native") in errors:
            nat[f"{side}_error"] = errors[(side, "native")]
        elif "error" in res[side]:
            nat[f"{side}_error"] = f"needs the wasm {side} pipeline: {res[side]['error']}"
        else:
            nat[side] = list(runs[side]["native"].values())
            nat[f"{side}_records_per_s"] = summary([rate(r) for r in nat[side]])
            put_ratio(nat, f"{side}_ratio", paired(runs[side]["native"], runs[side]["ours"]))
    if "source" in nat or "sink" in nat:
        nat["same_records"] = all(same_checksums(res[side]["pipeline"], nat[side])
                                  for side in ("source", "sink") if side in nat)
    else:
        nat["error"] = "; ".join(nat[f"{s}_error"] for s in ("source", "sink"))
    res["native"] = nat
    # kcat itself: what it did per repetition.
    res["kcat"] = {"version": kcat_version() or "not installed",
                   "input": f"{n:,} lines of {LINE_BYTES} B + newline (make_input, as the "
                            f"file scenario's): 'line <12-digit number> ' and letters"}
    for side, name, props in (("source", "produce", KCAT_PRODUCE_PROPS),
                              ("sink", "consume", KCAT_CONSUME_PROPS)):
        e = {"librdkafka_props": props}
        if (side, "kcat") in errors:
            e["error"] = errors[(side, "kcat")]
        else:
            e["runs"] = list(runs[side]["kcat"].values())
            for m in ("records_per_s", "mb_per_s", "seconds", "cpu_seconds",
                      "cpu_us_per_record", "peak_rss_mib"):
                e[m] = summary([r[m] for r in e["runs"]])
        res["kcat"][name] = e
    return res


# Scenario 5. Runs of the same code gave 80–118 ns per record for poll/1000: the variation is
# between processes and over time (other load, where the process and its memory land), which
# one process's confidence interval does not describe. So the two target benches are measured in
# CRITERION_RUNS processes (the first runs every bench, the others only those two) with the
# bench thread pinned to one CPU and a longer warm-up and measurement than boundary.rs's own
# 1 s / 3 s / 20 samples; the figure is the median of the processes' medians, with min and max.
CRITERION_ARGS = ["--warm-up-time", "2", "--measurement-time", "5", "--sample-size", "30",
                  "--noplot"]
CRITERION_RUNS = 5
CRITERION_TARGETS = ("poll/1000", "put/1000")
CRITERION_FILTER = "^(poll|put)/1000$"


def pinned_cpu() -> int | None:
    """The CPU criterion runs on: BENCH_PIN_CPU, else the last one we may use; `none`: any.
    Checked at start, before the long scenarios."""
    allowed = sorted(os.sched_getaffinity(0))
    want = os.environ.get("BENCH_PIN_CPU", "").strip().lower()
    if want in ("none", "off"):
        return None
    if want:
        if not want.isdigit() or int(want) not in allowed:
            raise SystemExit(f"BENCH_PIN_CPU={want}: not none or one of the CPUs {allowed}")
        return int(want)
    return allowed[-1] if len(allowed) > 1 else None


def criterion_estimate(crit: Path, id: str, since: float | None = None) -> dict | None:
    est = crit / id / "new/estimates.json"
    if not est.is_file() or (since is not None and est.stat().st_mtime < since):
        return None
    m = json.loads(est.read_text())["median"]
    size = int(id.rsplit("/", 1)[1])
    ci = m.get("confidence_interval") or {}
    out = {"ns_per_batch": m["point_estimate"], "ns_per_record": m["point_estimate"] / size,
           "estimates": rel(est)}
    if "lower_bound" in ci:
        out["ci_ns_per_record"] = [ci["lower_bound"] / size, ci["upper_bound"] / size]
        out["ci_level"] = ci.get("confidence_level")
    return out


def read_criterion(ctx: dict) -> tuple[dict, dict]:
    """The boundary estimates, and how they were made."""
    crit = ROOT / "target/criterion"
    repeats: dict[str, list[dict]] = {k: [] for k in CRITERION_TARGETS}
    how: dict = {"ran": False}
    if not ctx["smoke"] and not ctx["no_criterion"]:
        cargo = ["cargo", "bench", "-p", "wasmconnect-bench", "--bench", "boundary"]
        log("boundary: cargo bench --no-run (builds the bench, on every CPU)")
        out = subprocess.run(cargo + ["--no-run"], cwd=ROOT, capture_output=True, text=True)
        if out.returncode != 0:
            return {"error": "cargo bench --bench boundary --no-run failed: "
                             + out.stderr.strip()[-300:]}, how
        cpu = ctx["pin_cpu"]
        how = {"ran": True, "processes": CRITERION_RUNS, "criterion_args": CRITERION_ARGS,
               "filter_after_first": CRITERION_FILTER, "pinned_cpu": cpu}

        def pin() -> None:
            os.sched_setaffinity(0, {cpu})

        for i in range(CRITERION_RUNS):
            filt = [] if i == 0 else [CRITERION_FILTER]
            log(f"boundary: criterion {i + 1}/{CRITERION_RUNS}"
                + (", every bench" if i == 0 else ", poll/1000 and put/1000")
                + (f", on CPU {cpu}" if cpu is not None else ""))
            since = time.time() - 1
            out = subprocess.run(cargo + ["--", *CRITERION_ARGS, *filt], cwd=ROOT,
                                 capture_output=True, text=True,
                                 preexec_fn=pin if cpu is not None else None)
            if out.returncode != 0:
                return {"error": f"cargo bench --bench boundary failed (run {i + 1}): "
                                 + out.stderr.strip()[-300:]}, how
            for k in CRITERION_TARGETS:
                e = criterion_estimate(crit, k, since)
                if e is None:
                    return {"error": f"criterion run {i + 1} wrote no {k} estimate"}, how
                repeats[k].append(e)
    found = {}
    # Criterion ids of bench/benches/boundary.rs (bench/RUST.md): poll/N and put/N are the
    # boundary alone (an encoded batch in or out), poll_decode/N and put_encode/N add the
    # host-side decode or encode of the batch, poll_native/N and put_native/N are the same
    # guest work compiled natively.
    for group in ("poll", "poll_decode", "poll_native", "put", "put_encode", "put_native"):
        for size in (1, 100, 1000):
            e = criterion_estimate(crit, f"{group}/{size}")
            if e:
                found[f"{group}/{size}"] = e
    if not found:
        return {"error": "no target/criterion/{poll,put}/{1,100,1000}/new/estimates.json"}, how
    for k, rs in repeats.items():
        if rs:
            vals = [r["ns_per_record"] for r in rs]
            size = int(k.rsplit("/", 1)[1])
            found[k] = {"ns_per_record": statistics.median(vals),
                        "ns_per_batch": statistics.median(vals) * size,
                        "ns_per_record_min": min(vals), "ns_per_record_max": max(vals),
                        "processes": [{"ns_per_record": r["ns_per_record"],
                                       "ci_ns_per_record": r.get("ci_ns_per_record")}
                                      for r in rs],
                        "estimates": f"median of {len(rs)} criterion processes"}
    return found, how


# ---------------------------------------------------------------- targets and table

def fmt(v, unit: str = "") -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        if abs(v) >= 1000:
            s = f"{v:,.0f}"
        elif abs(v) >= 10:
            s = f"{v:.1f}"
        else:
            s = f"{v:.3g}"
    else:
        s = str(v)
    return s + unit


def plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def spread(entry: dict, key: str) -> str:
    """"0.95–1.08 over 10 repetitions": the per-repetition ratios behind a median."""
    pairs = entry.get(f"{key}_pairs") or []
    if not pairs:
        return ""
    if len(pairs) == 1:
        return "1 repetition"
    return (f"{fmt(entry[f'{key}_min'])}–{fmt(entry[f'{key}_max'])} over {len(pairs)} "
            "repetitions")


def with_spread(entry: dict, key: str) -> str:
    """"1.02 (0.95–1.08)" for the tables."""
    if key not in entry:
        return "–"
    if len(entry.get(f"{key}_pairs") or []) < 2:
        return fmt(entry[key])
    return f"{fmt(entry[key])} ({fmt(entry[f'{key}_min'])}–{fmt(entry[f'{key}_max'])})"


def cpu_us(runs: list[dict]):
    """Median µs of CPU per record: a pipeline's worker (start-up included), a raw bench's
    window, a kcat process."""
    vals = []
    for x in runs:
        if "worker_cpu_us_per_record" in x:
            vals.append(x["worker_cpu_us_per_record"])
        elif "cpu_us_per_record" in x:
            vals.append(x["cpu_us_per_record"])
        elif "cpu_seconds" in x and x.get("records"):
            vals.append(x["cpu_seconds"] / x["records"] * 1e6)
    return statistics.median(vals) if vals else None


def med(entry: dict, metric: str):
    return entry.get(metric, {}).get("median") if entry else None


def best(entries: list[dict], metric: str, higher: bool):
    vals = [med(e, metric) for e in entries if med(e, metric) is not None]
    if not vals:
        return None
    return max(vals) if higher else min(vals)


def targets(results: dict) -> list[dict]:
    """Every headline figure with its target (issue 11) and pass/fail."""
    rows = []

    def add(n, name, value, target, ok, note=""):
        rows.append({"scenario": n, "figure": name, "value": value, "target": target,
                     "pass": ok, "note": note})

    def not_run(n, name, target, reason):
        rows.append({"scenario": n, "figure": name, "value": None, "target": target,
                     "pass": None, "note": f"not run: {reason}"})

    s = results["scenarios"]
    f = s.get("file")
    if isinstance(f, dict) and "configs" in f:
        kc = [f["configs"][k] for k in ("kc-default", "kc-tuned")]
        wc = [f["configs"][k] for k in ("wc-default", "wc-tuned")]
        for metric, higher, name, target, want in (
            ("lines_per_cpu_s", True, "file: lines per worker CPU second, ours ÷ Kafka Connect",
             "≥ 5", lambda r: r >= 5),
            ("peak_rss_mib", False, "file: peak RSS, ours ÷ Kafka Connect", "≤ 0.1",
             lambda r: r <= 0.1),
            ("first_line_s", False, "file: time to first line, ours ÷ Kafka Connect",
             "≤ 0.033", lambda r: r <= 1 / 30),
            ("lines_per_s", True, "file: lines/s end to end, ours ÷ Kafka Connect", "(info)",
             None),
        ):
            k, w = best(kc, metric, higher), best(wc, metric, higher)
            if k and w:
                r = w / k
                add(1, name, r, target, want(r) if want else None,
                    f"best of each worker's two configs: ours {fmt(w)}, Kafka Connect {fmt(k)}")
            else:
                not_run(1, name, target, "; ".join(sum((e["errors"] for e in kc + wc), []))
                        or "no runs")
    elif f is not None:
        not_run(1, "file pipeline", "", f.get("error", "?"))

    r = s.get("rust", {})
    for key, n, name, kname, kop in (
        ("source", 2, "source pipeline ÷ raw rskafka produce, records/s",
         "source pipeline ÷ kcat produce (librdkafka), records/s", "produce"),
        ("sink", 3, "sink pipeline ÷ raw rskafka fetch, records/s",
         "sink pipeline ÷ kcat consume (librdkafka), records/s", "consume"),
    ):
        e = r.get(key, {"error": "not collected"})
        if "ratio" in e:
            add(n, name, e["ratio"], "≥ 0.90", e["ratio"] >= 0.90,
                f"{spread(e, 'ratio')}; ours {fmt(e['pipeline_records_per_s']['median'])}/s, "
                f"raw {fmt(e['raw_records_per_s']['median'])}/s"
                + ("" if e.get("same_records") else "; checksums differ"))
        else:
            not_run(n, name, "≥ 0.90", e.get("error") or e.get("ratio_error"))
        k = r.get("kcat", {}).get(kop, {})
        if "kcat_ratio" in e:
            add(n, kname, e["kcat_ratio"], "(info)", None,
                f"{spread(e, 'kcat_ratio')}; kcat {fmt(k['records_per_s']['median'])}/s, "
                "process start to exit")
        else:
            not_run(n, kname, "(info)", e.get("kcat_ratio_error") or k.get("error")
                    or (f"no {key} pipeline runs to compare (the row above)" if "error" in e
                        else "?"))
    nat = r.get("native", {"error": "not collected"})
    for key in ("source", "sink"):
        name = f"native twins: {key} pipeline wasm time ÷ native time"
        if f"{key}_ratio" in nat:
            v = nat[f"{key}_ratio"]
            add(4, name, v, "≤ 1.10", v <= 1.10,
                f"{spread(nat, f'{key}_ratio')}; "
                f"native {fmt(nat[f'{key}_records_per_s']['median'])} records/s"
                + ("" if nat.get("same_records") else "; checksums differ"))
        else:
            not_run(4, name, "≤ 1.10", nat.get(f"{key}_error") or nat.get(f"{key}_ratio_error")
                    or nat.get("error"))
    bnd = r.get("boundary", {"error": "not collected"})
    for op in ("poll", "put"):
        e = bnd.get(f"{op}/1000")
        name = f"boundary: {op} ns per record at batch 1,000"
        if e:
            if "processes" in e:
                how = (f"median of {len(e['processes'])} criterion processes, "
                       f"{fmt(e['ns_per_record_min'])}–{fmt(e['ns_per_record_max'])} ns; ")
            elif "ci_ns_per_record" in e:
                lo, hi = e["ci_ns_per_record"]
                how = f"CI {fmt(lo)}–{fmt(hi)} ns; "
            else:
                how = ""
            add(5, name, e["ns_per_record"], "≤ 100", e["ns_per_record"] <= 100,
                how + ", ".join(f"{k}: {fmt(v['ns_per_record'])} ns" for k, v in bnd.items()
                                if k.startswith(op) and k != f"{op}/1000"))
        else:
            not_run(5, name, "≤ 100", bnd.get("error", "no estimate for batch 1000"))
    st = r.get("start", {"error": "not collected"})
    for key, name, limit in (("instantiate", "start: instantiation p50 ms", 1.0),
                             ("first_poll", "start: created → first poll p50 ms", 10.0)):
        if key in st:
            p50, p99 = st[key]["p50_us"] / 1000, st[key]["p99_us"] / 1000
            add(6, name, p50, f"≤ {limit:g}", p50 <= limit,
                f"p99 {fmt(p99)} ms, {st[key]['n']} starts")
        else:
            not_run(6, name, f"≤ {limit:g}", st.get("error", f"no {key} in output"))

    d = s.get("density")
    if isinstance(d, dict) and "wasmconnect" in d:
        w, k = d["wasmconnect"], d["kafka-connect"]
        v = med(w, "rss_per_task_mib")
        kv = med(k, "rss_per_task_mib")
        note = f"Kafka Connect {fmt(kv)} MiB/task ({k['tasks']} tasks)" if kv is not None else \
            "Kafka Connect: " + ("; ".join(k["errors"]) or "no runs")
        if v is not None:
            add(7, f"density: RSS MiB per idle task ({w['tasks']} tasks)", v, "≤ 0.5", v <= 0.5,
                note)
            t, kt = med(w, "threads_per_task"), med(k, "threads_per_task")
            add(7, "density: threads per idle task", t, "≈ 0 (no thread per task)", t < 0.05,
                f"Kafka Connect {fmt(kt)}")
            c, kcpu = med(w, "idle_cpu_percent"), med(k, "idle_cpu_percent")
            add(7, "density: idle CPU % of one core", c, "near 0 (≤ 2)", c <= 2,
                f"Kafka Connect {fmt(kcpu)} %")
        else:
            not_run(7, "density: RSS MiB per idle task", "≤ 0.5", "; ".join(w["errors"]))
    elif d is not None:
        not_run(7, "density", "≤ 0.5", d.get("error", "?"))

    j = s.get("json")
    if isinstance(j, dict):
        for op in ("serialize", "deserialize"):
            name = f"json: {op} records/s per core, ours ÷ Kafka's JsonConverter"
            if f"{op}_ratio" in j:
                ratio = j[f"{op}_ratio"]
                add(8, name, ratio, "≥ 1.5", ratio >= 1.5,
                    f"ours {fmt(j['wasmconnect'][op]['median'])}/s, Kafka "
                    f"{fmt(j['kafka'][op]['median'])}/s"
                    + ("" if j.get("same_bytes") else "; serialized bytes differ"))
            else:
                why = "; ".join(x["error"] for x in (j.get("kafka", {}), j.get("wasmconnect", {}))
                                if "error" in x)
                not_run(8, name, "≥ 1.5", why or j.get("error", "?"))
    return rows


def table(results: dict) -> str:
    m = results["meta"]
    out = [f"wasmconnect benchmarks, {m['date']}, {m['cores']} cores ({m['cpu']}), "
           f"scale {m['scale']}, {m['reps']} repetitions (medians)", ""]
    f = results["scenarios"].get("file")
    if isinstance(f, dict) and "configs" in f:
        out += [f"**FileStream pipeline**, {f['lines']:,} lines × {LINE_BYTES} B, file → topic → file",
                "", "| worker | lines/s | lines per CPU s | µs CPU/line (steady) | CPU s | "
                "peak RSS MiB | first line s |", "|---|---|---|---|---|---|---|"]
        for name, e in f["configs"].items():
            if e["runs"]:
                out.append(f"| {e['label']} | {fmt(med(e, 'lines_per_s'))} | "
                           f"{fmt(med(e, 'lines_per_cpu_s'))} | "
                           f"{fmt(med(e, 'us_cpu_per_line_steady'))} | {fmt(med(e, 'cpu_s'))} | "
                           f"{fmt(med(e, 'peak_rss_mib'))} | {fmt(med(e, 'first_line_s'))} |")
            else:
                out.append(f"| {e['label']} | not run: {'; '.join(e['errors'])[:200]} | | | | | |")
        out.append("")
    d = results["scenarios"].get("density")
    if isinstance(d, dict) and "wasmconnect" in d:
        out += ["**Density**, idle FileStreamSource connectors in one worker", "",
                "| worker | tasks | RSS MiB/task | threads/task | idle CPU % | RSS MiB |",
                "|---|---|---|---|---|---|"]
        for kind in ("kafka-connect", "wasmconnect"):
            e = d[kind]
            if e["runs"]:
                out.append(f"| {kind} | {e['tasks']} | {fmt(med(e, 'rss_per_task_mib'))} | "
                           f"{fmt(med(e, 'threads_per_task'))} | "
                           f"{fmt(med(e, 'idle_cpu_percent'))} | {fmt(med(e, 'rss_mib'))} |")
            else:
                out.append(f"| {kind} | {e['tasks']} | not run: {'; '.join(e['errors'])[:200]} "
                           "| | | |")
        out.append("")
    r = results["scenarios"].get("rust", {})
    rows = [(k, r[k]) for k in ("source", "sink") if isinstance(r.get(k), dict)]
    kc = r.get("kcat", {})
    loop = r.get("pipeline_loop", {})
    if rows:
        out += [f"**Pipelines against raw clients**, {r['records']:,} records × {r['value_size']} B, "
                f"batch {r['batch']}; {plural(loop.get('repetitions', 0), 'repetition')}, each "
                "running every row once in turn"
                + (f", after {loop['warmup_repetitions']} discarded"
                   if loop.get("warmup_repetitions") else "")
                + ": medians, and ratios as the median of the per-repetition ratios (min–max)",
                "", "| pipeline | ours records/s | rskafka records/s | ours ÷ rskafka | "
                "kcat records/s | ours ÷ kcat | µs CPU/record: ours, rskafka, kcat | "
                "same records |", "|---|---|---|---|---|---|---|---|"]
        for k, e in rows:
            if "ratio" not in e:
                out.append(f"| {k} | not run: {e.get('error', e.get('ratio_error', '?'))[:300]} "
                           "| | | | | | |")
                continue
            kk = kc.get("produce" if k == "source" else "consume", {})
            kcat_rate = fmt(kk["records_per_s"]["median"]) if "runs" in kk else "not run"
            cpu = ", ".join(fmt(cpu_us(runs)) for runs in (e["pipeline"], e["raw"],
                                                           kk.get("runs", [])))
            out.append(f"| {k} | {fmt(e['pipeline_records_per_s']['median'])} | "
                       f"{fmt(e['raw_records_per_s']['median'])} | {with_spread(e, 'ratio')} | "
                       f"{kcat_rate} | {with_spread(e, 'kcat_ratio')} | {cpu} | "
                       f"{'yes' if e.get('same_records') else 'NO'} |")
        nat = r.get("native", {})
        for k in ("source", "sink"):
            if f"{k}_ratio" in nat:
                out.append(f"| {k}, native twin (no wasm) | "
                           f"{fmt(nat[f'{k}_records_per_s']['median'])} | | | | | "
                           f"{fmt(cpu_us(nat[k]))} | "
                           f"{'yes' if nat.get('same_records') else 'NO'} |")
        out += ["", "CPU per record: the worker from its start (ours), the bench process in its "
                "window (rskafka), the whole kcat process. Wasm time ÷ native time of the native "
                "twins: in the targets.", ""]
    if any(k in kc for k in ("produce", "consume")):
        froms = {x.get("topic_from") for x in kc.get("consume", {}).get("runs", [])}
        read = {frozenset({"source-pipeline"}): "the source pipeline's topic",
                frozenset({"kcat -P"}): "the topic kcat -P wrote"}.get(
                    frozenset(froms), "the source pipeline's topic or else kcat -P's")
        out += [f"**kcat** ({kc.get('version')}), the C client, in the same repetitions on the "
                "same broker, process start → exit: `kcat -P -l` of "
                f"{r['records']:,} lines of {LINE_BYTES} B to a fresh topic (librdkafka's "
                f"producer defaults), `kcat -C -o 0 -e -c N` of {read} to a file in memory "
                "(4 MiB fetches per partition, 1 MiB stdout buffer)", "",
                "| kcat | records/s | MB/s | wall s | CPU s | µs CPU/record | peak RSS MiB |",
                "|---|---|---|---|---|---|---|"]
        for name in ("produce", "consume"):
            e = kc.get(name, {})
            if "runs" in e:
                out.append(f"| {name} | {fmt(med(e, 'records_per_s'))} | "
                           f"{fmt(med(e, 'mb_per_s'))} | {fmt(med(e, 'seconds'))} | "
                           f"{fmt(med(e, 'cpu_seconds'))} | {fmt(med(e, 'cpu_us_per_record'))} | "
                           f"{fmt(med(e, 'peak_rss_mib'))} |")
            else:
                out.append(f"| {name} | not run: {e.get('error', '?')[:200]} | | | | | |")
        out.append("")
    j = results["scenarios"].get("json", {})
    impls = [(k, j[k]) for k in ("kafka", "wasmconnect") if "serialize" in j.get(k, {})]
    if impls:
        out += [f"**JsonConverter**, schemas on, {impls[0][1]['serialized_bytes_avg']:,}-byte "
                "envelopes of ~1 KB structs, records per CPU second of one thread", "",
                "| converter | serialize | deserialize |", "|---|---|---|"]
        for k, e in impls:
            out.append(f"| {k} | {fmt(e['serialize']['median'])} | "
                       f"{fmt(e['deserialize']['median'])} |")
        if "same_bytes" in j:
            out.append("")
            out.append("Serialized bytes identical: " + ("yes" if j["same_bytes"] else "NO"))
        out.append("")
    out += ["**Targets** (issue 11)", "", "| # | figure | value | target | result |",
            "|---|---|---|---|---|"]
    for r in results["targets"]:
        verdict = {True: "pass", False: "FAIL", None: ""}[r["pass"]]
        if r["value"] is None:
            verdict = r["note"]
            note = ""
        else:
            note = f" ({r['note']})" if r["note"] else ""
        out.append(f"| {r['scenario']} | {r['figure']}{note} | {fmt(r['value'])} | "
                   f"{r['target']} | {verdict} |")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- chart

def chart(results: dict) -> str:
    """Horizontal bars per metric: each Kafka Connect config against each of ours."""
    f = results["scenarios"].get("file", {})
    d = results["scenarios"].get("density", {})
    panels = []
    if "configs" in f:
        for metric, title in (("lines_per_s", "lines/s end to end (higher is better)"),
                              ("lines_per_cpu_s", "lines per worker CPU second (higher is better)"),
                              ("peak_rss_mib", "peak RSS, MiB (lower is better)"),
                              ("first_line_s", "process start → first line, s (lower is better)")):
            bars = [(e["label"], med(e, metric), e["kind"]) for e in f["configs"].values()]
            panels.append((title, bars))
    if "wasmconnect" in d:
        bars = [(f"{k} ({d[k]['tasks']} tasks)", med(d[k], "rss_per_task_mib"), k)
                for k in ("kafka-connect", "wasmconnect")]
        panels.append(("RSS per idle source task, MiB (lower is better)", bars))
    width, label_w, bar_h, gap = 860, 330, 18, 6
    y = 40
    parts = []
    for title, bars in panels:
        parts.append(f'<text x="10" y="{y}" font-weight="bold">{esc(title)}</text>')
        y += 10
        top = max((v for _, v, _ in bars if v), default=1) or 1
        for label, v, kind in bars:
            color = "#d9822b" if kind == "kafka-connect" else "#2b7bd9"
            w = 0 if not v else max(1, (width - label_w - 110) * v / top)
            parts.append(f'<text x="10" y="{y + 13}">{esc(label)}</text>')
            parts.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" '
                         f'fill="{color}"/>')
            parts.append(f'<text x="{label_w + w + 6:.1f}" y="{y + 13}">'
                         f'{esc(fmt(v) if v is not None else "not run")}</text>')
            y += bar_h + gap
        y += 22
    m = results["meta"]
    head = (f'<text x="10" y="20" font-size="15" font-weight="bold">wasmconnect (blue) vs Kafka '
            f'Connect (orange), {esc(m["date"])}, {m["cores"]} cores, medians of {m["reps"]} '
            f'runs</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{y}" '
            f'font-family="sans-serif" font-size="12">\n<rect width="100%" height="100%" '
            f'fill="white"/>\n{head}\n' + "\n".join(parts) + "\n</svg>\n")


def esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def update_readme(md: str) -> None:
    readme = ROOT / "README.md"
    text = readme.read_text()
    begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
    if begin not in text or end not in text:
        log("README has no bench markers; not updated")
        return
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    readme.write_text(f"{head}{begin}\n{md}{end}{tail}")


# ---------------------------------------------------------------- main

SCENARIOS = {"file": scenario_file, "density": scenario_density, "json": scenario_json,
             "rust": scenario_rust}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--smoke", action="store_true",
                   help="tiny scale, one repetition, results under target/bench/smoke")
    p.add_argument("--scale", type=float, default=None, help="record counts × this (BENCH_SCALE)")
    p.add_argument("--reps", type=int, default=None, help="repetitions (BENCH_REPS, default 3)")
    p.add_argument("--only", default=os.environ.get("BENCH_ONLY", ""),
                   help=f"comma-separated subset of {','.join(SCENARIOS)}")
    p.add_argument("--bootstrap", default=os.environ.get("BENCH_BOOTSTRAP"),
                   help="use this broker instead of starting one")
    p.add_argument("--out", type=Path, default=None,
                   help="results and work directory (default bench/, work in target/bench)")
    p.add_argument("--readme", action="store_true", help="paste the table into README.md")
    p.add_argument("--no-criterion", action="store_true",
                   help="read existing criterion estimates instead of running cargo bench")
    a = p.parse_args()
    smoke = a.smoke
    scale = a.scale if a.scale is not None else env_float("BENCH_SCALE", 0.005 if smoke else 1.0)
    reps = a.reps if a.reps is not None else int(env_float("BENCH_REPS", 1 if smoke else 3))
    a.out = a.out.resolve() if a.out else None
    out_dir = a.out or (ROOT / "target/bench/smoke" if smoke else ROOT / "bench")
    out_dir.mkdir(parents=True, exist_ok=True)
    only = [s for s in a.only.split(",") if s] or list(SCENARIOS)
    for s in only:
        if s not in SCENARIOS:
            p.error(f"unknown scenario {s}")
    wasm = [WASM_OUT / f"file_stream_{k}.wasm" for k in ("source", "sink")]
    missing = [str(x.relative_to(ROOT)) for x in (WORKER_BIN, LIB, *wasm) if not x.exists()]
    if missing:
        raise SystemExit(f"missing {', '.join(missing)}: run `make bench` (it builds them)")
    if shutil.which("java") is None:
        raise SystemExit("java is required (Kafka Connect and the JsonConverter baseline)")
    pin_cpu = pinned_cpu()

    PLUGINS.mkdir(parents=True, exist_ok=True)
    for src in wasm:
        dst = PLUGINS / src.name.replace("_", "-")
        if not dst.exists() or dst.read_bytes() != src.read_bytes():
            shutil.copyfile(src, dst)
    work = (a.out / "work") if a.out else ROOT / "target/bench" / ("smoke" if smoke else "run")
    started = time.monotonic()
    results = {
        "meta": {
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "cores": os.cpu_count(),
            "cpu": cpu_model(),
            "kernel": platform.release(),
            "java": java_version(),
            "kafka": kafka_version(),
            "jvm_options": KAFKA_HEAP_OPTS + KAFKA_JVM_PERFORMANCE_OPTS,
            "scale": scale, "reps": reps, "smoke": smoke,
            "worker_git": git_rev(),
        },
        "scenarios": {},
    }
    broker = Broker(work / "kafka", a.bootstrap)
    results["meta"]["bootstrap"] = broker.bootstrap
    ctx = {"scale": scale, "reps": reps, "smoke": smoke, "broker": broker, "work": work,
           "no_criterion": a.no_criterion, "pin_cpu": pin_cpu}
    try:
        for name in only:
            try:
                results["scenarios"][name] = SCENARIOS[name](ctx)
            except NotRun as e:
                results["scenarios"][name] = {"error": str(e)}
    finally:
        broker.stop()
    results["meta"]["total_s"] = time.monotonic() - started
    results["targets"] = targets(results)
    md = table(results)
    (out_dir / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (out_dir / "results.md").write_text(md)
    (out_dir / "chart.svg").write_text(chart(results))
    print(md)
    log(f"wrote {out_dir}/results.json, results.md, chart.svg in {results['meta']['total_s']:.0f} s")
    if a.readme:
        update_readme(md)
    # Our own scenarios failing is an error; the Rust side may not be built yet (its rows say so).
    failed = [f"{name}: {'; '.join(e['errors'])}"
              for name, e in results["scenarios"].get("file", {}).get("configs", {}).items()
              if e["errors"]]
    failed += [f"density {k}: {'; '.join(results['scenarios']['density'][k]['errors'])}"
               for k in ("kafka-connect", "wasmconnect")
               if results["scenarios"].get("density", {}).get(k, {}).get("errors")]
    for f in failed:
        log(f"FAILED {f}")
    return 1 if failed else 0


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def java_version() -> str:
    try:
        out = subprocess.run(["java", "-version"], capture_output=True, text=True)
        return out.stderr.splitlines()[0]
    except (OSError, IndexError):
        return "?"


def kafka_version() -> str:
    jars = sorted(LIB.glob("connect-runtime-*.jar"))
    return jars[0].stem.removeprefix("connect-runtime-") if jars else "?"


def git_rev() -> str:
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                         text=True)
    return out.stdout.strip()


if __name__ == "__main__":
    sys.exit(main())
