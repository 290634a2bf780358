//! Bad input gets a clear error naming the problem, and disturbs nothing else.

use std::time::Duration;

use serde_json::json;
use wasmconnect_tests::worker::{WorkerBuilder, append_lines, read_lines, wait_for};
use wasmconnect_tests::{kafka, unique};

#[test]
fn bad_connector_configs_are_400_naming_the_field() {
    let k = kafka();
    let w = WorkerBuilder::new(&k.bootstrap()).start();

    let (code, body) = w.post(
        "/connectors",
        &json!({"name": "no-file", "config": {"connector.class": "FileStreamSink", "topics": "t"}}),
    );
    assert_eq!(code, 400, "{body}");
    assert_eq!(body["error_code"], 400);
    let msg = body["message"].as_str().unwrap();
    assert!(msg.contains("\"file\""), "{msg}");

    let (code, body) = w.post(
        "/connectors",
        &json!({"name": "nope", "config": {"connector.class": "com.example.NoSuchConnector"}}),
    );
    assert_eq!(code, 400, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("com.example.NoSuchConnector")
    );

    let (code, body) = w.post(
        "/connectors",
        &json!({"name": "bad-tasks", "config": {"connector.class": "FileStreamSink", "topics": "t", "file": "/tmp/x", "tasks.max": "many"}}),
    );
    assert_eq!(code, 400, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("tasks.max"),
        "{body}"
    );

    let (code, body) = w.post("/connectors", &json!({"config": {}}));
    assert_eq!(code, 400, "{body}");

    let (code, body) = w.get("/connectors/does-not-exist/status");
    assert_eq!(code, 404);
    assert_eq!(body["error_code"], 404);

    // Nothing was created.
    let (_, list) = w.get("/connectors");
    assert_eq!(list, json!([]));
}

#[test]
fn malformed_properties_and_bad_plugins_at_start_are_reported_and_skipped() {
    let k = kafka();
    let topic = unique("badstart");
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.txt");
    let output = dir.path().join("out.txt");
    let w = WorkerBuilder::new(&k.bootstrap())
        .connector_file(
            "broken.properties",
            "name=broken\nconnector.class=FileStreamSource\nfile=\\uZZZZ\n",
        )
        .connector_file(
            "source.properties",
            &format!(
                "name=ok-source\nconnector.class=FileStreamSource\nfile={}\ntopic={topic}\n",
                input.display()
            ),
        )
        .connector_file(
            "sink.properties",
            &format!(
                "name=ok-sink\nconnector.class=FileStreamSink\nfile={}\ntopics={topic}\n",
                output.display()
            ),
        )
        .start();
    // A core module and garbage in plugin.path, then restart so the scan sees them.
    let mut w = w;
    std::fs::write(w.dir.join("plugins/core.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(w.dir.join("plugins/garbage.wasm"), b"not wasm at all").unwrap();
    std::fs::write(w.dir.join("plugins/other-world.wasm"), b"\0asm\x0d\0\x01\0").unwrap();
    w.stop();
    w.restart();
    let log = w.log();
    assert!(
        log.contains("broken.properties"),
        "log names the malformed file:\n{log}"
    );
    assert!(
        log.contains("core.wasm") && log.contains("core WebAssembly module"),
        "{log}"
    );
    assert!(log.contains("garbage.wasm"), "{log}");
    assert!(
        log.lines()
            .any(|l| l.contains("other-world.wasm") && l.contains("source-connector")),
        "{log}"
    );
    // The good connectors run anyway.
    append_lines(&input, (0..10).map(|i| format!("ok-{i}")));
    wait_for(
        Duration::from_secs(60),
        "10 lines through the good pipeline",
        || (read_lines(&output).len() >= 10).then_some(()),
    );
    let (_, list) = w.get("/connectors");
    assert!(
        !list.as_array().unwrap().iter().any(|n| n == "broken"),
        "{list}"
    );
}

#[test]
fn worker_with_broker_down_exits_with_a_clear_error() {
    let port = wasmconnect_tests::worker::free_port();
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("worker.properties");
    std::fs::write(
        &cfg,
        format!(
            "bootstrap.servers=127.0.0.1:{port}\nkey.converter=org.apache.kafka.connect.storage.StringConverter\nvalue.converter=org.apache.kafka.connect.storage.StringConverter\noffset.storage.file.filename={}\nlisteners=http://127.0.0.1:{}\n",
            dir.path().join("offsets").display(),
            wasmconnect_tests::worker::free_port()
        ),
    )
    .unwrap();
    let out = std::process::Command::new(wasmconnect_tests::worker_bin())
        .arg("standalone")
        .arg(&cfg)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("127.0.0.1:{port}")),
        "names the broker: {stderr}"
    );
}
