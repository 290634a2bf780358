//! C connectors (guest-sdk/c): the CSV source and the datagen source in the real worker on the
//! real broker, feeding the Rust file sink; restarts that resume from source offsets; their error
//! paths; and the SDK's WCB1 codec against the Rust codec.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::{Value as Json, json};
use wasmconnect_tests::worker::{TestWorker, WorkerBuilder, append_lines, read_lines, wait_for};
use wasmconnect_tests::{kafka, repo_root, unique};

const CSV: &str = "c-csv-source";
const DATAGEN: &str = "c-datagen";
const CSV_CLASS: &str = "io.wasmconnect.c.CsvSourceConnector";

/// A worker with the C sources and the Rust file sink.
fn worker() -> TestWorker {
    WorkerBuilder::new(&kafka().bootstrap())
        .plugins(&[CSV, DATAGEN, "file-stream-sink"])
        .start()
}

/// The CSV source (JsonConverter with schemas) and a file sink writing the JSON text it reads.
fn csv_pipeline(w: &TestWorker, name: &str, topic: &str, csv: &Path, out: &Path) {
    let dir = csv.parent().unwrap().display().to_string();
    w.create(
        &format!("{name}-source"),
        &[
            ("connector.class", "CsvSource"),
            ("file", &csv.display().to_string()),
            ("topic", topic),
            ("batch.size", "7"),
            ("field.types", "id:int64, price:float64, in_stock:boolean"),
            ("key.field", "id"),
            ("wasm.allowed.dirs", &dir),
            (
                "value.converter",
                "org.apache.kafka.connect.json.JsonConverter",
            ),
            ("value.converter.schemas.enable", "true"),
        ],
    );
    w.create(
        &format!("{name}-sink"),
        &[
            ("connector.class", "FileStreamSink"),
            ("file", &out.display().to_string()),
            ("topics", topic),
        ],
    );
}

/// CSV lines for rows `from..to`; names with commas and quotes exercise RFC 4180 quoting.
fn rows(from: u32, to: u32) -> Vec<String> {
    (from..to)
        .map(|i| match i % 3 {
            0 => format!("{i},plain {i},{}.5,true", i),
            1 => format!("{i},\"comma, and \"\"quote\"\" {i}\",{}.25,false", i),
            _ => format!("{i},,,"),
        })
        .collect()
}

/// The JsonConverter envelope the CSV source's row `i` becomes.
fn row_json(i: u32) -> Json {
    let (name, price, in_stock) = match i % 3 {
        0 => (
            json!(format!("plain {i}")),
            json!(f64::from(i) + 0.5),
            json!(true),
        ),
        1 => (
            json!(format!("comma, and \"quote\" {i}")),
            json!(f64::from(i) + 0.25),
            json!(false),
        ),
        _ => (json!(""), Json::Null, Json::Null),
    };
    json!({
        "schema": {
            "type": "struct", "name": "io.wasmconnect.csv.Row", "optional": false,
            "fields": [
                {"field": "id", "type": "int64", "optional": true},
                {"field": "name", "type": "string", "optional": true},
                {"field": "price", "type": "double", "optional": true},
                {"field": "in_stock", "type": "boolean", "optional": true},
            ],
        },
        "payload": {"id": i, "name": name, "price": price, "in_stock": in_stock},
    })
}

fn parsed(lines: &[String]) -> Vec<Json> {
    lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

#[test]
fn c_csv_source_streams_structs_tails_the_file_and_resumes_after_a_restart() {
    let topic = unique("c-csv");
    let name = unique("ccsv");
    let mut w = worker();
    let csv = w.dir.join("data").join("items.csv");
    std::fs::create_dir_all(csv.parent().unwrap()).unwrap();
    let out = w.dir.join("items.out.jsonl");
    append_lines(&csv, ["id,name,price,in_stock".to_string()]);
    append_lines(&csv, rows(0, 30));
    csv_pipeline(&w, &name, &topic, &csv, &out);
    wait_for(Duration::from_secs(60), "the first 30 rows", || {
        (read_lines(&out).len() >= 30).then_some(())
    });
    // Tail: rows appended while it runs, one of them in two writes.
    append_lines(&csv, rows(30, 40));
    std::fs::OpenOptions::new()
        .append(true)
        .open(&csv)
        .and_then(|mut f| std::io::Write::write_all(&mut f, b"40,half"))
        .unwrap();
    wait_for(Duration::from_secs(60), "the appended rows", || {
        (read_lines(&out).len() >= 40).then_some(())
    });
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(
        read_lines(&out).len(),
        40,
        "the incomplete row 40 was emitted early"
    );
    std::fs::OpenOptions::new()
        .append(true)
        .open(&csv)
        .and_then(|mut f| std::io::Write::write_all(&mut f, b" row,40.5,true\n"))
        .unwrap();
    wait_for(Duration::from_secs(60), "row 40", || {
        (read_lines(&out).len() >= 41).then_some(())
    });
    // Give the 1 s offset flush time to commit, stop, append while stopped, resume.
    std::thread::sleep(Duration::from_millis(2500));
    w.stop();
    append_lines(&csv, rows(41, 60));
    w.restart();
    csv_pipeline(&w, &name, &topic, &csv, &out);
    wait_for(Duration::from_secs(60), "all 60 rows", || {
        (read_lines(&out).len() >= 60).then_some(())
    });
    std::thread::sleep(Duration::from_secs(2));
    let got = parsed(&read_lines(&out));
    let mut expected: Vec<Json> = (0..60).map(row_json).collect();
    expected[40]["payload"] =
        json!({"id": 40, "name": "half row", "price": 40.5, "in_stock": true});
    assert_eq!(
        got.len(),
        expected.len(),
        "lost or duplicated rows across the restart"
    );
    for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
        assert_eq!(g, e, "row {i}");
    }
    let keys = kafka().console_consume(&topic, 3, Duration::from_secs(30));
    assert_eq!(keys.len(), 3, "{keys:?}");
}

#[test]
fn c_datagen_emits_max_records_and_resumes_from_its_offset() {
    let topic = unique("c-datagen");
    let name = unique("cdg");
    let mut w = worker();
    let out = w.dir.join("datagen.out.txt");
    let create = |w: &TestWorker, max: &str| {
        w.create(
            &format!("{name}-source"),
            &[
                ("connector.class", "CDatagen"),
                ("topic", &topic),
                ("value.size", "20"),
                ("batch.size", "64"),
                ("max.records", max),
                (
                    "value.converter",
                    "org.apache.kafka.connect.converters.ByteArrayConverter",
                ),
            ],
        );
    };
    create(&w, "500");
    w.create(
        &format!("{name}-sink"),
        &[
            ("connector.class", "FileStreamSink"),
            ("file", &out.display().to_string()),
            ("topics", &topic),
        ],
    );
    wait_for(Duration::from_secs(60), "500 records", || {
        (read_lines(&out).len() >= 500).then_some(())
    });
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(read_lines(&out).len(), 500);
    assert!(read_lines(&out).iter().all(|l| l == "abcdefghijklmnopqrst"));
    let offsets = std::fs::read_to_string(w.dir.join("connect.offsets")).unwrap_or_default();
    let offsets: Json = serde_json::from_str(&offsets).unwrap_or(Json::Null);
    assert_eq!(
        offsets["offsets"][0]["value"]["seq"], 499,
        "the last committed offset: {offsets}"
    );
    w.stop();
    w.restart();
    create(&w, "800");
    w.create(
        &format!("{name}-sink"),
        &[
            ("connector.class", "FileStreamSink"),
            ("file", &out.display().to_string()),
            ("topics", &topic),
        ],
    );
    wait_for(Duration::from_secs(60), "800 records", || {
        (read_lines(&out).len() >= 800).then_some(())
    });
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        read_lines(&out).len(),
        800,
        "resumed at seq 500, no repeats"
    );
}

#[test]
fn c_config_errors_are_400_naming_the_key_and_task_errors_fail_the_task() {
    let w = worker();
    // validate: `topic` missing, `field.types` malformed.
    let (code, body) = w.put(
        &format!("/connector-plugins/{CSV_CLASS}/config/validate"),
        Some(
            &json!({"name": "v", "connector.class": CSV_CLASS, "file": "/x.csv",
            "field.types": "id:uuid"}),
        ),
    );
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["error_count"], 2, "{body}");
    let errors = |key: &str| {
        body["configs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["value"]["name"] == key)
            .map(|c| c["value"]["errors"].clone())
            .unwrap_or_else(|| panic!("no {key} in {body}"))
    };
    assert_eq!(
        errors("topic"),
        json!(["Missing required configuration \"topic\" which has no default value."])
    );
    assert!(
        errors("field.types")[0]
            .as_str()
            .unwrap()
            .contains("unknown type 'uuid'")
    );
    // POST /connectors: 400 naming the key.
    let (code, body) = w.post(
        "/connectors",
        &json!({"name": "bad-csv", "config": {"connector.class": "CsvSource", "file": "/x.csv",
            "topic": "t", "batch.size": "zero"}}),
    );
    assert_eq!(code, 400, "{body}");
    let msg = body["message"].as_str().unwrap();
    assert!(
        msg.contains("Invalid value zero for configuration batch.size"),
        "{msg}"
    );
    // A row the task cannot convert fails the task with the connector's message.
    let csv = w.dir.join("bad").join("bad.csv");
    std::fs::create_dir_all(csv.parent().unwrap()).unwrap();
    append_lines(&csv, ["id,name".to_string(), "1,a".into(), "two,b".into()]);
    w.create(
        "bad-rows",
        &[
            ("connector.class", CSV_CLASS),
            ("file", &csv.display().to_string()),
            ("topic", &unique("c-bad")),
            ("field.types", "id:int64"),
            (
                "wasm.allowed.dirs",
                &csv.parent().unwrap().display().to_string(),
            ),
        ],
    );
    let trace = w.wait_task_state("bad-rows", 0, "FAILED", Duration::from_secs(60));
    assert!(
        trace.contains("field id: 'two' is not a valid int64"),
        "{trace}"
    );
    // Without wasm.allowed.dirs the file is out of reach: a clean failure, not a trap.
    let hidden = w.dir.join("hidden.csv");
    append_lines(&hidden, ["a".to_string(), "1".into()]);
    w.create(
        "no-grant",
        &[
            ("connector.class", CSV_CLASS),
            ("file", &hidden.display().to_string()),
            ("topic", &unique("c-hidden")),
        ],
    );
    let trace = w.wait_task_state("no-grant", 0, "FAILED", Duration::from_secs(60));
    assert!(trace.contains("cannot open"), "{trace}");
}

#[test]
fn c_sdk_codec_matches_the_rust_codec_byte_for_byte() {
    // `make c-test` writes the golden batches afresh with the Rust codec, then decodes,
    // re-encodes and rebuilds them with the C SDK, natively.
    let status = Command::new("make")
        .args(["-s", "c-test"])
        .current_dir(repo_root())
        .status()
        .expect("run make c-test");
    assert!(status.success(), "make c-test failed");
}

#[test]
fn c_scaffolded_projects_build_test_and_conform() {
    // `wasmconnect new --lang c`, then the project's own `make test` (native unit test and
    // `wasmconnect conformance`), with only .tools/c/bin and the worker binary added to PATH.
    let dir = tempfile::tempdir().expect("temp dir");
    let bin = wasmconnect_tests::worker_bin();
    let path = format!(
        "{}:{}:{}",
        bin.parent().unwrap().display(),
        repo_root().join(".tools/c/bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for kind in ["source", "sink"] {
        let name = format!("my-c-{kind}");
        let out = Command::new(&bin)
            .args(["new", "--lang", "c", "--kind", kind, &name])
            .current_dir(dir.path())
            .output()
            .expect("wasmconnect new");
        assert!(out.status.success(), "{out:?}");
        let out = Command::new("make")
            .arg("test")
            .current_dir(dir.path().join(&name))
            .env("PATH", &path)
            .output()
            .expect("make test");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "make test in {name}:\n{text}");
        assert!(
            text.contains("result: PASS"),
            "{name}: no conformance run:\n{text}"
        );
    }
    // The scaffolded sink, uploaded to a real worker, writes what the broker delivers.
    let k = kafka();
    let w = WorkerBuilder::new(&k.bootstrap())
        .plugins(&["file-stream-sink"])
        .start();
    let wasm = std::fs::read(dir.path().join("my-c-sink/my-c-sink.wasm")).expect("sink wasm");
    let (code, body) = w.post_bytes("/connector-plugins", wasm);
    assert_eq!(code, 201, "{body}");
    assert_eq!(body["class"], "com.example.MyCSinkConnector", "{body}");
    let topic = unique("c-scaffold-sink");
    k.create_topic(&topic, 1);
    k.produce_lines(&topic, &["one", "two \"2\"", "three"]);
    let out = w.dir.join("sink-out").join("lines.jsonl");
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    w.create(
        "c-scaffold-sink",
        &[
            ("connector.class", "MyCSink"),
            ("topics", &topic),
            ("file", &out.display().to_string()),
            (
                "wasm.allowed.dirs",
                &out.parent().unwrap().display().to_string(),
            ),
        ],
    );
    let got = wait_for(Duration::from_secs(60), "3 lines from the C sink", || {
        let l = read_lines(&out);
        (l.len() >= 3).then_some(l)
    });
    let expected: Vec<String> = ["one", "two \"2\"", "three"]
        .iter()
        .enumerate()
        .map(|(i, v)| json!({"topic": topic, "partition": 0, "offset": i, "value": v}).to_string())
        .collect();
    assert_eq!(parsed(&got), parsed(&expected));
}
