//! Hostile guests fail their own task, never the worker or other tasks.

use std::time::Duration;

use wasmconnect_tests::worker::{WorkerBuilder, append_lines, read_lines, wait_for};
use wasmconnect_tests::{kafka, unique};

#[test]
fn trapping_looping_and_greedy_guests_fail_alone() {
    let k = kafka();
    let w = WorkerBuilder::new(&k.bootstrap())
        .plugins(&["file-stream-source", "file-stream-sink", "chaos"])
        .start();

    // A healthy pipeline first.
    let topic = unique("healthy");
    let input = w.dir.join("healthy.in.txt");
    let output = w.dir.join("healthy.out.txt");
    let (i, o) = (input.display().to_string(), output.display().to_string());
    w.create(
        "healthy-source",
        &[
            ("connector.class", "FileStreamSource"),
            ("file", &i),
            ("topic", &topic),
        ],
    );
    w.create(
        "healthy-sink",
        &[
            ("connector.class", "FileStreamSink"),
            ("file", &o),
            ("topics", &topic),
        ],
    );
    append_lines(&input, (0..100).map(|n| format!("before-{n}")));

    let chaos_topic = unique("chaos");
    for (name, mode) in [
        ("chaos-trap", "trap"),
        ("chaos-loop", "loop"),
        ("chaos-memory", "memory"),
    ] {
        w.create(
            name,
            &[
                (
                    "connector.class",
                    "io.wasmconnect.test.ChaosSourceConnector",
                ),
                ("chaos.mode", mode),
                ("topic", &chaos_topic),
                ("wasm.call.timeout.ms", "2000"),
                ("wasm.memory.max.bytes", "33554432"),
            ],
        );
    }
    let trap = w.wait_task_state("chaos-trap", 0, "FAILED", Duration::from_secs(30));
    assert!(trap.contains("trap"), "trap reason: {trap}");
    assert!(
        trap.contains("chaos"),
        "trace shows the guest's frames or message: {trap}"
    );
    let looped = w.wait_task_state("chaos-loop", 0, "FAILED", Duration::from_secs(30));
    assert!(looped.contains("timed out"), "loop reason: {looped}");
    let greedy = w.wait_task_state("chaos-memory", 0, "FAILED", Duration::from_secs(30));
    eprintln!("trap:\n{trap}\n\nloop:\n{looped}\n\nmemory:\n{greedy}");
    assert!(
        greedy.to_lowercase().contains("memory"),
        "memory reason: {greedy}"
    );

    // The healthy pipeline kept going, and still does after the failures.
    append_lines(&input, (0..100).map(|n| format!("after-{n}")));
    wait_for(Duration::from_secs(60), "200 healthy lines", || {
        (read_lines(&output).len() >= 200).then_some(())
    });
    let mut expected: Vec<String> = (0..100).map(|n| format!("before-{n}")).collect();
    expected.extend((0..100).map(|n| format!("after-{n}")));
    assert_eq!(read_lines(&output), expected);
    let (state, _) = w.task_state("healthy-source", 0).expect("status");
    assert_eq!(state, "RUNNING");
    let (code, _) = w.get("/");
    assert_eq!(code, 200, "worker still serving");

    // A failed task restarts into a fresh instance (and fails again, as it is still hostile).
    let (code, _) = w.post(
        "/connectors/chaos-trap/tasks/0/restart",
        &serde_json::json!({}),
    );
    assert_eq!(code, 204);
    w.wait_task_state("chaos-trap", 0, "FAILED", Duration::from_secs(30));
}

#[test]
fn connector_error_is_a_typed_failure_not_a_trap() {
    let k = kafka();
    let w = WorkerBuilder::new(&k.bootstrap())
        .plugins(&["chaos"])
        .start();
    w.create(
        "chaos-error",
        &[
            (
                "connector.class",
                "io.wasmconnect.test.ChaosSourceConnector",
            ),
            ("chaos.mode", "error"),
            ("topic", &unique("chaos-error")),
        ],
    );
    let trace = w.wait_task_state("chaos-error", 0, "FAILED", Duration::from_secs(30));
    assert!(trace.contains("chaos: fatal error requested"), "{trace}");
    assert!(!trace.contains("wasm trap"), "{trace}");

    // Guest output is checked: a record for a topic Kafka would refuse fails the task.
    w.create(
        "chaos-bad-topic",
        &[
            ("connector.class", "ChaosSource"),
            ("topic", "not a topic!"),
        ],
    );
    let trace = w.wait_task_state("chaos-bad-topic", 0, "FAILED", Duration::from_secs(30));
    assert!(trace.contains("invalid topic name"), "{trace}");
}

#[test]
fn connector_context_raise_error_and_reconfiguration() {
    let k = kafka();
    let w = WorkerBuilder::new(&k.bootstrap())
        .plugins(&["chaos"])
        .start();
    let topic = unique("chaos-ctx");
    w.create(
        "chaos-raise",
        &[
            ("connector.class", "ChaosSource"),
            ("chaos.mode", "raise"),
            ("topic", &topic),
        ],
    );
    let trace = w.wait_task_state("chaos-raise", 0, "FAILED", Duration::from_secs(30));
    assert!(trace.contains("chaos: raise-error requested"), "{trace}");

    // A task asks for reconfiguration once: the connector is asked for task configs again
    // and its tasks restart with them (generation 2), both running.
    w.create(
        "chaos-reconf",
        &[
            ("connector.class", "ChaosSource"),
            ("chaos.mode", "reconfigure"),
            ("chaos.task", "1"),
            ("tasks.max", "2"),
            ("topic", &topic),
        ],
    );
    wait_for(Duration::from_secs(30), "tasks of generation 2", || {
        let (_, tasks) = w.get("/connectors/chaos-reconf/tasks");
        let tasks = tasks.as_array()?.clone();
        (tasks.len() == 2 && tasks.iter().all(|t| t["config"]["chaos.generation"] == "2"))
            .then_some(())
    });
    w.wait_task_state("chaos-reconf", 0, "RUNNING", Duration::from_secs(30));
    w.wait_task_state("chaos-reconf", 1, "RUNNING", Duration::from_secs(30));
}

#[test]
fn source_records_are_acknowledged_with_their_kafka_position() {
    let k = kafka();
    let w = WorkerBuilder::new(&k.bootstrap())
        .plugins(&["chaos"])
        .start();
    let topic = unique("chaos-ack");
    w.create(
        "chaos-ack",
        &[("connector.class", "ChaosSource"), ("topic", &topic)],
    );
    // `commit-records` reaches the guest, whose `log` lands in the worker log.
    let needle = format!("chaos: chaos-2 written to {topic}-0@2");
    wait_for(
        Duration::from_secs(30),
        "the third record's acknowledgement",
        || w.log().contains(&needle).then_some(()),
    );
    let consumed = k.console_consume(&topic, 3, Duration::from_secs(30));
    assert_eq!(consumed, ["chaos-0", "chaos-1", "chaos-2"]);
}
