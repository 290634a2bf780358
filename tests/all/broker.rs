//! The test broker itself, checked with Kafka's own tools only.

use std::time::Duration;

use wasmconnect_tests::{kafka, unique};

#[test]
fn broker_round_trips_with_kafka_console_tools() {
    let k = kafka();
    let topic = unique("broker-selftest");
    k.create_topic(&topic, 2);
    let lines: Vec<String> = (0..5).map(|i| format!("line-{i}")).collect();
    k.produce_lines(&topic, &lines);
    let mut got = k.console_consume(&topic, 5, Duration::from_secs(30));
    got.sort();
    assert_eq!(got, lines);

    let described = k.consumer_groups_describe(&unique("no-such-group"));
    // Kafka 4.1 says "GroupIdNotFoundException: Group <g> not found."
    assert!(described.contains("not found"), "{described}");
}
