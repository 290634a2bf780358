//! File source → broker → file sink, end to end: volume, order, restarts, crashes, and what
//! Kafka's own tools see.

use std::time::Duration;

use wasmconnect_tests::worker::{WorkerBuilder, append_lines, read_lines, wait_for};
use wasmconnect_tests::{kafka, unique};

fn lines(prefix: &str, from: usize, to: usize) -> Vec<String> {
    (from..to).map(|i| format!("{prefix}-{i:06}")).collect()
}

/// Creates a file source and a file sink through `topic`; returns (input, output) paths.
fn pipeline(
    w: &wasmconnect_tests::worker::TestWorker,
    name: &str,
    topic: &str,
) -> (std::path::PathBuf, std::path::PathBuf) {
    let input = w.dir.join(format!("{name}.in.txt"));
    let output = w.dir.join(format!("{name}.out.txt"));
    let (input_s, output_s) = (input.display().to_string(), output.display().to_string());
    w.create(
        &format!("{name}-source"),
        &[
            ("connector.class", "FileStreamSource"),
            ("file", &input_s),
            ("topic", topic),
        ],
    );
    w.create(
        &format!("{name}-sink"),
        &[
            (
                "connector.class",
                "org.apache.kafka.connect.file.FileStreamSinkConnector",
            ),
            ("file", &output_s),
            ("topics", topic),
        ],
    );
    (input, output)
}

#[test]
fn hundred_thousand_lines_arrive_complete_and_in_order() {
    let k = kafka();
    let topic = unique("pipeline-100k");
    let w = WorkerBuilder::new(&k.bootstrap()).start();
    let expected = lines("line", 0, 100_000);
    let name = unique("p100k");
    let input = w.dir.join(format!("{name}.in.txt"));
    append_lines(&input, expected.clone());
    let (_, output) = pipeline(&w, &name, &topic);
    wait_for(
        Duration::from_secs(180),
        "100,000 lines in the sink file",
        || (read_lines(&output).len() >= expected.len()).then_some(()),
    );
    // Give a straggler time to show up as a duplicate, if there were one.
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(read_lines(&output), expected);
}

#[test]
fn graceful_restart_resumes_without_loss_or_duplicates() {
    let k = kafka();
    let topic = unique("pipeline-restart");
    let name = unique("restart");
    let mut w = WorkerBuilder::new(&k.bootstrap()).start();
    let (input, output) = pipeline(&w, &name, &topic);
    append_lines(&input, lines("a", 0, 20_000));
    wait_for(Duration::from_secs(120), "first 20,000 lines", || {
        (read_lines(&output).len() >= 20_000).then_some(())
    });
    w.stop();
    append_lines(&input, lines("b", 0, 20_000));
    w.restart();
    // The REST-created connectors are gone after a restart of a standalone worker (as in
    // Kafka Connect standalone); create them again with the same names: offsets resume.
    pipeline(&w, &name, &topic);
    let mut expected = lines("a", 0, 20_000);
    expected.extend(lines("b", 0, 20_000));
    wait_for(Duration::from_secs(120), "all 40,000 lines", || {
        (read_lines(&output).len() >= expected.len()).then_some(())
    });
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        read_lines(&output),
        expected,
        "lost or duplicated lines across a graceful restart"
    );
}

#[test]
fn sigkill_loses_nothing_and_duplicates_at_most_a_flush_interval() {
    let k = kafka();
    let topic = unique("pipeline-kill");
    let name = unique("kill");
    let mut w = WorkerBuilder::new(&k.bootstrap()).start();
    let (input, output) = pipeline(&w, &name, &topic);
    let expected = lines("k", 0, 60_000);
    // Phase 1: 30,000 lines, delivered and then flushed and committed (interval 1 s).
    append_lines(&input, expected[..30_000].to_vec());
    wait_for(Duration::from_secs(120), "the first 30,000 lines", || {
        (read_lines(&output).len() >= 30_000).then_some(())
    });
    std::thread::sleep(Duration::from_millis(2500));
    // Phase 2: 30,000 more; SIGKILL while they stream.
    append_lines(&input, expected[30_000..].to_vec());
    wait_for(Duration::from_secs(120), "phase 2 under way", || {
        (read_lines(&output).len() > 31_000).then_some(())
    });
    w.kill();
    let at_kill = read_lines(&output).len();
    w.restart();
    pipeline(&w, &name, &topic);
    wait_for(
        Duration::from_secs(180),
        "every line after the crash",
        || {
            let got = read_lines(&output);
            let distinct: std::collections::HashSet<&String> = got.iter().collect();
            (distinct.len() >= expected.len()).then_some(())
        },
    );
    std::thread::sleep(Duration::from_secs(2));
    let got = read_lines(&output);
    // Dropping repeats (keeping first occurrences) gives exactly the input, in order.
    let mut seen = std::collections::HashSet::new();
    let firsts: Vec<&String> = got.iter().filter(|l| seen.insert(*l)).collect();
    assert_eq!(
        firsts,
        expected.iter().collect::<Vec<_>>(),
        "lost or reordered lines"
    );
    // Only what followed the last flush may repeat: nothing of phase 1.
    let mut counts = std::collections::HashMap::new();
    for l in &got {
        *counts.entry(l.as_str()).or_insert(0u32) += 1;
    }
    let repeated_phase1 = expected[..30_000]
        .iter()
        .filter(|l| counts[l.as_str()] > 1)
        .count();
    assert_eq!(
        repeated_phase1, 0,
        "lines committed before the kill were delivered again"
    );
    let duplicates = got.len() - expected.len();
    eprintln!("sigkill: {duplicates} duplicate lines; {at_kill} lines written when killed");
}

#[test]
fn kafka_tools_read_our_records_and_see_sink_offsets() {
    let k = kafka();
    let topic = unique("interop");
    let name = unique("interop");
    let w = WorkerBuilder::new(&k.bootstrap()).start();
    let (input, output) = pipeline(&w, &name, &topic);
    let expected = lines("interop", 0, 50);
    append_lines(&input, expected.clone());
    wait_for(Duration::from_secs(60), "50 lines in the sink", || {
        (read_lines(&output).len() >= 50).then_some(())
    });
    let consumed = k.console_consume(&topic, 50, Duration::from_secs(60));
    assert_eq!(
        consumed, expected,
        "Kafka's console consumer read something else"
    );
    let group = format!("connect-{name}-sink");
    let described = wait_for(
        Duration::from_secs(30),
        "committed offset 50 in the group",
        || {
            let d = k.consumer_groups_describe(&group);
            d.lines()
                .any(|l| {
                    let cols: Vec<&str> = l.split_whitespace().collect();
                    cols.len() >= 5 && cols[1] == topic && cols[3] == "50"
                })
                .then_some(d)
        },
    );
    assert!(described.contains(&group), "{described}");
}

#[test]
fn sink_follows_topics_regex_including_new_topics() {
    let k = kafka();
    let prefix = unique("regex");
    let (a, b) = (format!("{prefix}-a"), format!("{prefix}-b"));
    k.create_topic(&a, 1);
    k.produce_lines(&a, &["a1", "a2", "a3"]);
    let w = WorkerBuilder::new(&k.bootstrap()).start();
    let output = w.dir.join("regex.out.txt");
    w.create(
        "regex-sink",
        &[
            ("connector.class", "FileStreamSink"),
            ("file", &output.display().to_string()),
            ("topics.regex", &format!("{prefix}-.*")),
        ],
    );
    wait_for(Duration::from_secs(60), "the first topic", || {
        (read_lines(&output).len() >= 3).then_some(())
    });
    k.create_topic(&b, 1);
    k.produce_lines(&b, &["b1", "b2"]);
    wait_for(Duration::from_secs(60), "the topic created later", || {
        (read_lines(&output).len() >= 5).then_some(())
    });
    let mut got = read_lines(&output);
    got.sort();
    assert_eq!(got, ["a1", "a2", "a3", "b1", "b2"]);

    let (code, body) = w.post(
        "/connectors",
        &serde_json::json!({"name": "bad-regex", "config": {
            "connector.class": "FileStreamSink", "file": output.display().to_string(),
            "topics.regex": "(unclosed"}}),
    );
    assert_eq!(code, 400, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("topics.regex"),
        "{body}"
    );
}

#[test]
fn sink_without_committed_offsets_starts_at_the_log_start() {
    let k = kafka();
    let topic = unique("log-start");
    k.create_topic(&topic, 1);
    k.produce_lines(&topic, &lines("r", 0, 10));
    // Offsets 0–3 are gone: the sink, positioned at 0 for want of a committed offset, is
    // answered "out of range" and moves to the log start (auto.offset.reset=earliest).
    k.delete_records(&topic, 0, 4);
    let w = WorkerBuilder::new(&k.bootstrap()).start();
    let output = w.dir.join("log-start.out.txt");
    w.create(
        "log-start-sink",
        &[
            ("connector.class", "FileStreamSink"),
            ("file", &output.display().to_string()),
            ("topics", &topic),
        ],
    );
    wait_for(Duration::from_secs(60), "the records kept", || {
        (read_lines(&output).len() >= 6).then_some(())
    });
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(read_lines(&output), lines("r", 4, 10));
    assert!(
        !w.log().contains("offset out of range"),
        "a new sink's start is not an error worth a warning:\n{}",
        w.log()
    );
}
