"""`make bench-ab BASE=<rev>`: this tree's worker against another revision's, on one broker.

A refactor that changes no behaviour should change no figure either; `make bench` compares
with Kafka Connect and raw clients, and its absolute figures move with the machine (the same
code measured on two days can differ by half). This compares two builds of our own worker in
one run, interleaved (old, new, then new, old, …) so drift hits both: the FileStream pipeline
of `make bench` (wc-default: worker CPU, lines/s, peak RSS), `json_bench`, the source and
sink pipelines of `wasmconnect-bench` (driven by this tree's bench binary, each worker given
with `--worker`), and 500 idle connectors (RSS per task, idle CPU). Both workers load the same plugins. The result is each figure's median per
build and new ÷ old, printed and written to `target/bench/ab/results.json`.

Usage (the Makefile target builds BASE in a worktree under target/bench/ab/ first):
    python3 bench/ab.py OLD_RELEASE_DIR NEW_RELEASE_DIR [REPS]
Python 3.11, standard library only; reuses bench/run.py's broker and pipeline code.
"""

import importlib.util
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location("run", HERE / "run.py")
run = importlib.util.module_from_spec(spec)
spec.loader.exec_module(run)

LINES = 2_000_000
METRICS = ("file_cpu_s", "file_lines_per_s", "file_rss_mib", "json_serialize_per_s",
           "json_deserialize_per_s", "source_records_per_s", "sink_records_per_s",
           "idle_rss_mib_per_task", "idle_cpu_percent")
# Idle FileStreamSource connectors of the density figure, fewer than make bench's 1,000 to
# keep a round short; each holds a connector instance and a task instance.
IDLE_TASKS = 500


def one_round(k: str, build: Path, bench: Path, broker, work: Path, inp: Path, sha: str,
              i: int) -> dict:
    """Every figure once for the build `k` in `build`."""
    cfg = next(c for c in run.FILE_CONFIGS if c["name"] == "wc-default")
    run.WORKER_BIN = build / "wasmconnect"
    r = run.file_run(cfg, broker, work / f"file-{k}", inp, LINES, sha, 300)
    if not r["output_identical"]:
        raise SystemExit(f"{k}: the sink file differs from the input")
    out = subprocess.run([str(build / "json_bench"), "--records", "100000", "--reps", "3",
                          "--warmup", "100000"], capture_output=True, text=True, check=True)
    j = json.loads(out.stdout)
    topic = f"ab-{k}-{i}-{time.time_ns() % 10**9}"
    worker = ["--worker", str(build / "wasmconnect")]
    src = json.loads(subprocess.run(
        [str(bench), "source-pipeline", "--bootstrap", broker.bootstrap, "--topic", topic,
         "--records", str(LINES), "--value-size", "100", "--batch", "1000", *worker],
        capture_output=True, text=True, check=True).stdout)
    snk = json.loads(subprocess.run(
        [str(bench), "sink-pipeline", "--bootstrap", broker.bootstrap, "--topic", topic,
         "--records", str(LINES), *worker,
         "--worker-prop", "consumer.max.partition.fetch.bytes=4194304"],
        capture_output=True, text=True, check=True).stdout)
    idle = run.density_run("wasmconnect", IDLE_TASKS, broker, work / f"density-{k}", 10,
                           {"wasm.instances.max": str(2 * IDLE_TASKS + 16)})
    return {"file_cpu_s": r["cpu_s"], "file_lines_per_s": r["lines_per_s"],
            "file_rss_mib": r["peak_rss_mib"],
            "json_serialize_per_s": j["serialize"]["median"],
            "json_deserialize_per_s": j["deserialize"]["median"],
            "source_records_per_s": src["records_per_s"],
            "sink_records_per_s": snk["records_per_s"],
            "idle_rss_mib_per_task": idle["rss_per_task_mib"],
            "idle_cpu_percent": idle["idle_cpu_percent"]}


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    builds = {"old": Path(sys.argv[1]), "new": Path(sys.argv[2])}
    reps = int(sys.argv[3]) if len(sys.argv) > 3 else 6
    bench = builds["new"] / "wasmconnect-bench"
    for b in builds.values():
        for name in ("wasmconnect", "json_bench"):
            if not (b / name).exists():
                raise SystemExit(f"{b / name} is missing: build that tree first")
    work = run.ROOT / "target/bench/ab"
    work.mkdir(parents=True, exist_ok=True)
    broker = run.Broker(work / "kafka", None)
    runs: dict = {k: {m: [] for m in METRICS} for k in builds}
    try:
        inp = work / "in.txt"
        sha = run.make_input(inp, LINES)
        for i in range(reps):
            for k in (("old", "new") if i % 2 == 0 else ("new", "old")):
                r = one_round(k, builds[k], bench, broker, work, inp, sha, i)
                run.log(f"ab: {k} round {i + 1}/{reps}: "
                        + ", ".join(f"{m} {v:,.3g}" for m, v in r.items()))
                for m, v in r.items():
                    runs[k][m].append(v)
    finally:
        broker.stop()
    summary = {k: {m: run.summary(v) for m, v in d.items()} for k, d in runs.items()}
    ratio = {m: statistics.median(runs["new"][m]) / statistics.median(runs["old"][m])
             for m in METRICS}
    (work / "results.json").write_text(json.dumps(
        {"builds": {k: str(v) for k, v in builds.items()}, "reps": reps, "runs": runs,
         "summary": summary, "new_over_old": ratio}, indent=1))
    print(f"| figure | old (median) | new (median) | new ÷ old |\n|---|---|---|---|")
    for m in METRICS:
        print(f"| {m} | {summary['old'][m]['median']:,.3g} | "
              f"{summary['new'][m]['median']:,.3g} | {ratio[m]:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
