//! REST paths, codes and bodies as in Kafka Connect.

use std::time::Duration;

use serde_json::json;
use wasmconnect_tests::worker::{WorkerBuilder, wait_for};
use wasmconnect_tests::{kafka, unique};

#[test]
fn connector_lifecycle_over_rest() {
    let k = kafka();
    let w = WorkerBuilder::new(&k.bootstrap()).start();
    let (code, root) = w.get("/");
    assert_eq!(code, 200);
    assert!(root["version"].is_string());
    assert!(
        root["kafka_cluster_id"]
            .as_str()
            .is_some_and(|id| !id.is_empty()),
        "{root}"
    );

    let topic = unique("rest");
    let file = w.dir.join("rest.out.txt").display().to_string();
    let created = w.create(
        "rest-sink",
        &[
            ("connector.class", "FileStreamSink"),
            ("file", &file),
            ("topics", &topic),
            ("tasks.max", "1"),
        ],
    );
    assert_eq!(created["name"], "rest-sink");
    assert_eq!(created["type"], "sink");
    assert_eq!(
        created["tasks"],
        json!([{"connector": "rest-sink", "task": 0}])
    );
    assert_eq!(created["config"]["name"], "rest-sink");

    let (code, _) = w.post(
        "/connectors",
        &json!({"name": "rest-sink", "config": {"connector.class": "FileStreamSink", "file": file, "topics": topic}}),
    );
    assert_eq!(code, 409);

    let (code, list) = w.get("/connectors");
    assert_eq!((code, list), (200, json!(["rest-sink"])));
    let (code, info) = w.get("/connectors/rest-sink");
    assert_eq!(code, 200);
    assert_eq!(info["config"]["topics"], topic.as_str());
    let (code, config) = w.get("/connectors/rest-sink/config");
    assert_eq!(code, 200);
    assert_eq!(config["connector.class"], "FileStreamSink");
    let (code, tasks) = w.get("/connectors/rest-sink/tasks");
    assert_eq!(code, 200);
    assert_eq!(tasks[0]["id"], json!({"connector": "rest-sink", "task": 0}));

    w.wait_task_state("rest-sink", 0, "RUNNING", Duration::from_secs(30));
    let (_, status) = w.get("/connectors/rest-sink/status");
    assert_eq!(status["connector"]["state"], "RUNNING");
    assert_eq!(
        status["connector"]["worker_id"],
        format!("127.0.0.1:{}", w.port())
    );
    assert_eq!(status["type"], "sink");

    let (code, _) = w.put("/connectors/rest-sink/pause", None);
    assert_eq!(code, 202);
    wait_for(Duration::from_secs(30), "PAUSED", || {
        let (_, s) = w.get("/connectors/rest-sink/status");
        (s["connector"]["state"] == "PAUSED" && s["tasks"][0]["state"] == "PAUSED").then_some(())
    });
    let (code, _) = w.put("/connectors/rest-sink/resume", None);
    assert_eq!(code, 202);
    w.wait_task_state("rest-sink", 0, "RUNNING", Duration::from_secs(30));

    // Reconfigure through PUT: 200 with the new config, tasks restarted with it.
    let new_file = w.dir.join("rest2.out.txt").display().to_string();
    let (code, updated) = w.put(
        "/connectors/rest-sink/config",
        Some(&json!({"connector.class": "FileStreamSink", "file": new_file, "topics": topic})),
    );
    assert_eq!(code, 200, "{updated}");
    assert_eq!(updated["config"]["file"], new_file.as_str());
    let (_, tasks) = w.get("/connectors/rest-sink/tasks");
    assert_eq!(tasks[0]["config"]["file"], new_file.as_str());
    w.wait_task_state("rest-sink", 0, "RUNNING", Duration::from_secs(30));
    // PUT of a new name creates it: 201.
    let (code, _) = w.put(
        "/connectors/rest-sink-2/config",
        Some(&json!({"connector.class": "FileStreamSink", "file": new_file, "topics": topic})),
    );
    assert_eq!(code, 201);
    let (code, _) = w.delete("/connectors/rest-sink-2");
    assert_eq!(code, 204);

    let (code, _) = w.delete("/connectors/rest-sink");
    assert_eq!(code, 204);
    let (code, body) = w.get("/connectors/rest-sink");
    assert_eq!(code, 404);
    assert_eq!(body["message"], "Connector rest-sink not found");
    let (code, _) = w.delete("/connectors/rest-sink");
    assert_eq!(code, 404);

    let (code, plugins) = w.get("/connector-plugins");
    assert_eq!(code, 200);
    let classes: Vec<&str> = plugins
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["class"].as_str().unwrap())
        .collect();
    assert_eq!(
        classes,
        [
            "io.wasmconnect.file.FileStreamSinkConnector",
            "io.wasmconnect.file.FileStreamSourceConnector"
        ]
    );
}

#[test]
fn plugin_config_and_validate_as_in_connect() {
    let k = kafka();
    let w = WorkerBuilder::new(&k.bootstrap()).start();
    let (code, keys) = w.get("/connector-plugins/FileStreamSink/config");
    assert_eq!(code, 200, "{keys}");
    let file = keys
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == "file")
        .expect("file key");
    assert_eq!(file["type"], "STRING");
    assert_eq!(file["required"], true);

    let (code, report) = w.put(
        "/connector-plugins/FileStreamSink/config/validate",
        Some(&json!({"name": "v", "topics": "t", "tasks.max": "zero"})),
    );
    assert_eq!(code, 200, "{report}");
    assert_eq!(
        report["name"],
        "io.wasmconnect.file.FileStreamSinkConnector"
    );
    assert_eq!(report["error_count"], 2, "{report}");
    let errors = |name: &str| {
        report["configs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["value"]["name"] == name)
            .map(|c| c["value"]["errors"].clone())
            .unwrap_or_else(|| panic!("no {name} in {report}"))
    };
    assert!(
        errors("tasks.max")[0]
            .as_str()
            .unwrap()
            .contains("tasks.max")
    );
    assert!(errors("file")[0].as_str().unwrap().contains("\"file\""));
    assert_eq!(errors("topics"), json!([]));

    let (code, _) = w.get("/connector-plugins/NoSuchPlugin/config");
    assert_eq!(code, 404);
}
