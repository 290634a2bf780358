//! `errors.tolerance` and the dead letter queue for records a sink cannot take.

use std::time::Duration;

use wasmconnect_tests::worker::{WorkerBuilder, read_lines, wait_for};
use wasmconnect_tests::{kafka, unique};

#[test]
fn bad_records_go_to_the_dead_letter_queue_with_tolerance_all() {
    let k = kafka();
    let topic = unique("dlq-in");
    let dlq = unique("dlq");
    k.create_topic(&topic, 1);
    k.produce_lines(
        &topic,
        &["{\"n\": 1}", "not json", "{\"n\": 2}", "{broken", "3"],
    );
    let w = WorkerBuilder::new(&k.bootstrap()).start();
    let output = w.dir.join("dlq.out.txt");
    w.create(
        "dlq-sink",
        &[
            ("connector.class", "FileStreamSink"),
            ("file", &output.display().to_string()),
            ("topics", &topic),
            (
                "value.converter",
                "org.apache.kafka.connect.json.JsonConverter",
            ),
            ("value.converter.schemas.enable", "false"),
            ("errors.tolerance", "all"),
            ("errors.deadletterqueue.topic.name", &dlq),
        ],
    );
    wait_for(Duration::from_secs(60), "the three good records", || {
        (read_lines(&output).len() >= 3).then_some(())
    });
    assert_eq!(read_lines(&output), ["{n=1}", "{n=2}", "3"]);
    let dead = k.console_consume(&dlq, 2, Duration::from_secs(60));
    assert_eq!(dead, ["not json", "{broken"]);
    let (state, _) = w.task_state("dlq-sink", 0).expect("status");
    assert_eq!(state, "RUNNING");
}

#[test]
fn bad_records_fail_the_task_with_tolerance_none() {
    let k = kafka();
    let topic = unique("tol-none");
    k.create_topic(&topic, 1);
    k.produce_lines(&topic, &["{\"n\": 1}", "not json"]);
    let w = WorkerBuilder::new(&k.bootstrap()).start();
    let output = w.dir.join("none.out.txt");
    w.create(
        "strict-sink",
        &[
            ("connector.class", "FileStreamSink"),
            ("file", &output.display().to_string()),
            ("topics", &topic),
            (
                "value.converter",
                "org.apache.kafka.connect.json.JsonConverter",
            ),
            ("value.converter.schemas.enable", "false"),
        ],
    );
    let trace = w.wait_task_state("strict-sink", 0, "FAILED", Duration::from_secs(60));
    assert!(trace.contains("value converter failed"), "{trace}");
    assert!(
        trace.contains(&format!("{topic}-0@1")),
        "names the record: {trace}"
    );
}
