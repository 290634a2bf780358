//! `POST /connector-plugins`: upload, then use at once; refuse what is not a plugin.

use std::time::Duration;

use serde_json::json;
use wasmconnect_tests::worker::{WorkerBuilder, append_lines, read_lines, wait_for};
use wasmconnect_tests::{kafka, unique, wasm_path};

fn plugin_files(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir.join("plugins"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".wasm"))
        .collect();
    v.sort();
    v
}

#[test]
fn uploaded_connector_runs_without_restart() {
    let k = kafka();
    let w = WorkerBuilder::new(&k.bootstrap())
        .plugins(&["file-stream-sink"])
        .start();
    let (_, plugins) = w.get("/connector-plugins");
    assert_eq!(plugins.as_array().unwrap().len(), 1, "{plugins}");

    let bytes = std::fs::read(wasm_path("file-stream-source")).unwrap();
    let (code, body) = w.post_bytes("/connector-plugins", bytes);
    assert_eq!(code, 201, "{body}");
    assert_eq!(
        body["class"],
        "io.wasmconnect.file.FileStreamSourceConnector"
    );
    assert_eq!(body["type"], "source");
    assert!(body["version"].is_string());
    let (_, plugins) = w.get("/connector-plugins");
    assert_eq!(plugins.as_array().unwrap().len(), 2, "{plugins}");

    let topic = unique("upload");
    let input = w.dir.join("up.in.txt");
    let output = w.dir.join("up.out.txt");
    w.create(
        "uploaded-source",
        &[
            (
                "connector.class",
                "io.wasmconnect.file.FileStreamSourceConnector",
            ),
            ("file", &input.display().to_string()),
            ("topic", &topic),
        ],
    );
    w.create(
        "upload-sink",
        &[
            ("connector.class", "FileStreamSink"),
            ("file", &output.display().to_string()),
            ("topics", &topic),
        ],
    );
    append_lines(&input, (0..20).map(|i| format!("up-{i}")));
    wait_for(Duration::from_secs(60), "uploaded source delivers", || {
        (read_lines(&output).len() >= 20).then_some(())
    });

    // Uploading the same plugin again is a conflict, not a second copy.
    let bytes = std::fs::read(wasm_path("file-stream-source")).unwrap();
    let (code, _) = w.post_bytes("/connector-plugins", bytes);
    assert_eq!(code, 409);
}

#[test]
fn uploads_that_are_not_our_plugins_are_refused_and_not_stored() {
    let k = kafka();
    let w = WorkerBuilder::new(&k.bootstrap())
        .plugins(&["file-stream-sink"])
        .prop("plugin.upload.max.bytes", "1048576")
        .start();
    let before = plugin_files(&w.dir);

    let (code, body) = w.post_bytes("/connector-plugins", b"hello, not wasm".to_vec());
    assert_eq!(code, 400, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("WebAssembly"),
        "{body}"
    );

    // A core module (version 1), not a component.
    let (code, body) = w.post_bytes("/connector-plugins", b"\0asm\x01\0\0\0".to_vec());
    assert_eq!(code, 400, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("core WebAssembly module"),
        "{body}"
    );

    // An empty component: valid, but of no world of ours.
    let (code, body) = w.post_bytes("/connector-plugins", b"\0asm\x0d\0\x01\0".to_vec());
    assert_eq!(code, 400, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("wasmconnect"),
        "{body}"
    );

    let (code, body) = w.post_bytes("/connector-plugins", vec![0u8; 2 << 20]);
    assert_eq!(code, 413, "{body}");
    assert_eq!(body["error_code"], 413);

    assert_eq!(plugin_files(&w.dir), before, "nothing stored");
    let (_, plugins) = w.get("/connector-plugins");
    assert_eq!(
        plugins,
        json!([{"class": "io.wasmconnect.file.FileStreamSinkConnector", "type": "sink", "version": plugins[0]["version"]}])
    );
}
