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
  2,3,5,6    from `target/release/wasmconnect-bench` (bench/RUST.md), ratios computed here
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
import shutil
import signal
import socket
import statistics
import subprocess
import sys
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


# ---------------------------------------------------------------- scenarios 2,3,5,6: Rust side

def rust_bench(args: list[str], timeout: float = 600) -> dict:
    if not RUST_BENCH_BIN.exists():
        raise NotRun("target/release/wasmconnect-bench is not built (bench/ crate)")
    return run_json([str(RUST_BENCH_BIN), *args], f"wasmconnect-bench {args[0]}", timeout)


def repeat(ctx: dict, make_args, what: str) -> list[dict]:
    # A pipeline run takes a second or two and varies by ±15 % on a 2-core machine: at
    # least five of them make a steadier median for little time.
    reps = ctx["reps"] if ctx["smoke"] else max(ctx["reps"], 5)
    runs = []
    for rep in range(reps):
        log(f"{what} run {rep + 1}/{reps}")
        runs.append(rust_bench(make_args(rep)))
    return runs


def same_checksums(raw: list[dict], ours: list[dict]) -> bool:
    """Whether every run wrote or read the same records (bench/RUST.md `checksum`)."""
    sums = {r.get("checksum") for r in raw + ours}
    return len(sums) == 1 and None not in sums


def rate(run: dict) -> float:
    for k in ("records_per_s", "records_per_sec", "rate"):
        if k in run:
            return float(run[k])
    raise NotRun(f"no records_per_s in {sorted(run)}")


def scenario_rust(ctx: dict) -> dict:
    """Scenarios 2 (source), 3 (sink), 6 (start) and 5 (criterion boundary)."""
    b = ctx["broker"].bootstrap
    n = max(10_000, int(2_000_000 * ctx["scale"]))
    vsize, batch = "100", "1000"
    res: dict = {"records": n, "value_size": 100, "batch": 1000}
    stamp = time.time_ns() % 10**12

    def topic(kind: str, rep: int) -> str:
        return f"bench-{kind}-{stamp}-{rep}"

    # 2: raw rskafka producer vs our source pipeline, same records and batching.
    try:
        raw = repeat(ctx, lambda r: ["produce-raw", "--bootstrap", b, "--topic",
                                     topic("raw", r), "--records", str(n), "--value-size",
                                     vsize, "--batch", batch], "source: produce-raw")
        ours = repeat(ctx, lambda r: ["source-pipeline", "--bootstrap", b, "--topic",
                                      topic("src", r), "--records", str(n), "--value-size",
                                      vsize, "--batch", batch], "source: source-pipeline")
        res["source"] = {"raw": raw, "pipeline": ours,
                         "raw_records_per_s": summary([rate(r) for r in raw]),
                         "pipeline_records_per_s": summary([rate(r) for r in ours])}
        res["source"]["ratio"] = (res["source"]["pipeline_records_per_s"]["median"]
                                  / res["source"]["raw_records_per_s"]["median"])
        res["source"]["same_records"] = same_checksums(raw, ours)
    except NotRun as e:
        res["source"] = {"error": str(e)}
    # 3: raw rskafka fetch vs our sink pipeline, on a topic the source step filled. The
    # worker fetches as much per partition as the raw fetch does (its default is Kafka's
    # 1 MiB; `fetch-raw` asks for 4 MiB).
    same_fetch = ["--worker-prop", "consumer.max.partition.fetch.bytes=4194304"]
    try:
        if "error" in res["source"]:
            raise NotRun(f"needs the source topics: {res['source']['error']}")
        raw = repeat(ctx, lambda r: ["fetch-raw", "--bootstrap", b, "--topic",
                                     topic("src", r), "--records", str(n)], "sink: fetch-raw")
        ours = repeat(ctx, lambda r: ["sink-pipeline", "--bootstrap", b, "--topic",
                                      topic("src", r), "--records", str(n), *same_fetch],
                      "sink: sink-pipeline")
        res["sink"] = {"raw": raw, "pipeline": ours,
                       "raw_records_per_s": summary([rate(r) for r in raw]),
                       "pipeline_records_per_s": summary([rate(r) for r in ours])}
        res["sink"]["ratio"] = (res["sink"]["pipeline_records_per_s"]["median"]
                                / res["sink"]["raw_records_per_s"]["median"])
        res["sink"]["same_records"] = same_checksums(raw, ours)
    except NotRun as e:
        res["sink"] = {"error": str(e)}
    # 4: the same pipelines with the native twins of datagen and counting: the
    # `wasmconnect-bench standalone` worker runs them in place of the components.
    native = ["--worker", str(RUST_BENCH_BIN)]
    try:
        for key in ("source", "sink"):
            if "error" in res[key]:
                raise NotRun(f"needs the wasm {key} pipeline: {res[key]['error']}")
        src = repeat(ctx, lambda r: ["source-pipeline", "--bootstrap", b, "--topic",
                                     topic("nsrc", r), "--records", str(n), "--value-size",
                                     vsize, "--batch", batch, *native], "native: source-pipeline")
        snk = repeat(ctx, lambda r: ["sink-pipeline", "--bootstrap", b, "--topic",
                                     topic("nsrc", r), "--records", str(n), *native,
                                     *same_fetch],
                     "native: sink-pipeline")
        res["native"] = {"source": src, "sink": snk}
        for key, runs in (("source", src), ("sink", snk)):
            rates = summary([rate(r) for r in runs])
            res["native"][f"{key}_records_per_s"] = rates
            # wasm time ÷ native time for the same records = native rate ÷ wasm rate
            res["native"][f"{key}_ratio"] = (rates["median"]
                                             / res[key]["pipeline_records_per_s"]["median"])
        res["native"]["same_records"] = same_checksums(res["source"]["pipeline"], src)
    except NotRun as e:
        res["native"] = {"error": str(e)}
    # 6: task start.
    try:
        starts = "20" if ctx["smoke"] else "200"
        res["start"] = rust_bench(["start", "--iterations", starts,
                                   "--work-dir", str(ctx["work"] / "rust")])
    except NotRun as e:
        res["start"] = {"error": str(e)}
    # 5: criterion estimates, written by `cargo bench -p wasmconnect-bench --bench boundary`.
    res["boundary"] = read_criterion(ctx)
    return res


def read_criterion(ctx: dict) -> dict:
    crit = ROOT / "target/criterion"
    if not ctx["smoke"] and not ctx["no_criterion"]:
        log("boundary: cargo bench -p wasmconnect-bench --bench boundary")
        out = subprocess.run(["cargo", "bench", "-p", "wasmconnect-bench", "--bench",
                              "boundary"], cwd=ROOT, capture_output=True, text=True)
        if out.returncode != 0:
            return {"error": "cargo bench --bench boundary failed: "
                             + out.stderr.strip()[-300:]}
    found = {}
    # Criterion ids of bench/benches/boundary.rs (bench/RUST.md): poll/N and put/N are the
    # boundary alone (an encoded batch in or out), poll_decode/N and put_encode/N add the
    # host-side decode or encode of the batch, poll_native/N and put_native/N are the same
    # guest work compiled natively.
    for group in ("poll", "poll_decode", "poll_native", "put", "put_encode", "put_native"):
        for size in (1, 100, 1000):
            est = crit / group / str(size) / "new/estimates.json"
            if est.is_file():
                ns = json.loads(est.read_text())["median"]["point_estimate"]
                found[f"{group}/{size}"] = {"ns_per_batch": ns, "ns_per_record": ns / size,
                                            "estimates": str(est.relative_to(ROOT))}
    if not found:
        return {"error": "no target/criterion/{poll,put}/{1,100,1000}/new/estimates.json"}
    return found


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
    for key, n, name in (("source", 2, "source pipeline ÷ raw rskafka produce, records/s"),
                         ("sink", 3, "sink pipeline ÷ raw rskafka fetch, records/s")):
        e = r.get(key, {"error": "not collected"})
        if "ratio" in e:
            add(n, name, e["ratio"], "≥ 0.90", e["ratio"] >= 0.90,
                f"ours {fmt(e['pipeline_records_per_s']['median'])}/s, "
                f"raw {fmt(e['raw_records_per_s']['median'])}/s"
                + ("" if e.get("same_records") else "; checksums differ"))
        else:
            not_run(n, name, "≥ 0.90", e.get("error"))
    nat = r.get("native", {"error": "not collected"})
    for key in ("source", "sink"):
        name = f"native twins: {key} pipeline wasm time ÷ native time"
        if f"{key}_ratio" in nat:
            v = nat[f"{key}_ratio"]
            add(4, name, v, "≤ 1.10", v <= 1.10,
                f"native {fmt(nat[f'{key}_records_per_s']['median'])} records/s"
                + ("" if nat.get("same_records") else "; checksums differ"))
        else:
            not_run(4, name, "≤ 1.10", nat.get("error"))
    bnd = r.get("boundary", {"error": "not collected"})
    for op in ("poll", "put"):
        e = bnd.get(f"{op}/1000")
        name = f"boundary: {op} ns per record at batch 1,000"
        if e:
            add(5, name, e["ns_per_record"], "≤ 100", e["ns_per_record"] <= 100,
                ", ".join(f"{k}: {fmt(v['ns_per_record'])} ns" for k, v in bnd.items()
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
    rows = [(k, r[k]) for k in ("source", "sink") if isinstance(r.get(k), dict) and "ratio" in r[k]]
    if rows:
        out += [f"**Pipelines against raw rskafka**, {r['records']:,} records × {r['value_size']} B, "
                f"batch {r['batch']}", "",
                "| pipeline | ours records/s | ours MB/s | raw records/s | raw MB/s | same records |",
                "|---|---|---|---|---|---|"]
        for k, e in rows:
            mb = lambda runs: statistics.median(x.get("mb_per_s", 0) for x in runs)
            out.append(f"| {k} | {fmt(e['pipeline_records_per_s']['median'])} | "
                       f"{fmt(mb(e['pipeline']))} | {fmt(e['raw_records_per_s']['median'])} | "
                       f"{fmt(mb(e['raw']))} | {'yes' if e.get('same_records') else 'NO'} |")
        nat = r.get("native", {})
        for k in ("source", "sink"):
            if f"{k}_ratio" in nat:
                out.append(f"| {k}, native twin (no wasm) | "
                           f"{fmt(nat[f'{k}_records_per_s']['median'])} | "
                           f"{fmt(statistics.median(x.get('mb_per_s', 0) for x in nat[k]))} "
                           f"| | | {'yes' if nat.get('same_records') else 'NO'} |")
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
           "no_criterion": a.no_criterion}
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
