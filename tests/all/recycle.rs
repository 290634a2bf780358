//! Instance recycling: a task whose linear memory only grows (or that reached its call
//! budget) gets a fresh instance at a clean point, and no record is lost or repeated.

use std::time::Duration;

use wasmconnect_tests::worker::{WorkerBuilder, read_lines, wait_for};
use wasmconnect_tests::{kafka, unique};

fn recycles(w: &wasmconnect_tests::worker::TestWorker, connector: &str) -> u64 {
    let (code, m) = w.get(&format!("/connectors/{connector}/tasks/0/metrics"));
    assert_eq!(code, 200, "{m}");
    m["instance-recycles"].as_u64().expect("instance-recycles")
}

#[test]
fn leaking_source_and_sink_are_recycled_without_loss_or_duplicates() {
    let k = kafka();
    let w = WorkerBuilder::new(&k.bootstrap())
        .plugins(&["chaos", "file-stream-sink"])
        .start();
    let topic = unique("recycle");
    let output = w.dir.join("recycled.out.txt");
    let out = output.display().to_string();
    // 64 KiB kept per poll against an 8 MiB cap recycled at half of it: a fresh instance
    // every 45 polls or so. The source resumes from the offsets written just before.
    w.create(
        "leaky-source",
        &[
            ("connector.class", "ChaosSource"),
            ("chaos.mode", "leak"),
            ("chaos.leak.bytes", "65536"),
            ("topic", &topic),
            ("wasm.memory.max.bytes", "8388608"),
            ("wasm.recycle.memory.percent", "50"),
        ],
    );
    // The sink is recycled by call count.
    w.create(
        "recycled-sink",
        &[
            ("connector.class", "FileStreamSink"),
            ("file", &out),
            ("topics", &topic),
            ("wasm.recycle.calls", "10"),
        ],
    );
    wait_for(Duration::from_secs(60), "source recycled 3 times", || {
        (recycles(&w, "leaky-source") >= 3).then_some(())
    });
    wait_for(Duration::from_secs(60), "sink recycled 3 times", || {
        (recycles(&w, "recycled-sink") >= 3).then_some(())
    });
    let (code, body) = w.put("/connectors/leaky-source/pause", None);
    assert_eq!(code, 202, "{body}");
    w.wait_task_state("leaky-source", 0, "PAUSED", Duration::from_secs(30));
    assert_eq!(
        w.task_state("leaky-source", 0).expect("state").0,
        "PAUSED",
        "recycling is not a failure"
    );

    // Everything in the topic, exactly once and in order: chaos-0 … chaos-(n-1).
    // The console consumer ends on its idle timeout, logging that after the values.
    let in_topic: Vec<String> = k
        .console_consume(&topic, 1_000_000, Duration::from_secs(10))
        .into_iter()
        .filter(|l| l.starts_with("chaos-"))
        .collect();
    let n = in_topic.len();
    assert!(n > 90, "only {n} records");
    let expected: Vec<String> = (0..n).map(|i| format!("chaos-{i}")).collect();
    assert_eq!(in_topic, expected, "the source lost or repeated records");
    let lines = wait_for(Duration::from_secs(60), "sink caught up", || {
        let lines = read_lines(&output);
        (lines.len() >= n).then_some(lines)
    });
    assert_eq!(lines, expected, "the sink lost or repeated records");
    assert_eq!(
        w.task_state("recycled-sink", 0).expect("state").0,
        "RUNNING"
    );
    let log = w.log();
    assert!(log.contains("task instance recycled"), "no log line");
    assert!(!log.contains("task failed"), "{log}");
}
