//! The Python guest SDK and its connectors (`guest-sdk/python`, `connectors-wasm/python-*`):
//! the Python codec against the Rust one, and a Python source next to the Rust FileStreamSink
//! on the real broker, with JsonConverter schemas, a restart, bad configs and a raising task.

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value as Json, json};
use wasmconnect_data::batch::{encode_sink, encode_source};
use wasmconnect_data::*;
use wasmconnect_tests::worker::{TestWorker, WorkerBuilder, read_lines, wait_for};
use wasmconnect_tests::{kafka, repo_root, unique};

/// The venv `make setup` creates with the pinned componentize-py; its `python` runs the SDK's
/// unit tests on the host.
fn python() -> std::path::PathBuf {
    let p = repo_root().join(".tools/python/bin/python");
    assert!(p.is_file(), "{} is missing: run `make setup`", p.display());
    p
}

/// The golden batches of `guest-sdk/python/tests/golden/`, encoded by the Rust codec.
fn golden_vectors() -> BTreeMap<&'static str, Vec<u8>> {
    let named = |t, name: &str| Arc::new(Schema::primitive(t).named(name));
    let prim = |t| Arc::new(Schema::primitive(t));
    let mut decimal =
        Schema::primitive(SchemaType::Bytes).named("org.apache.kafka.connect.data.Decimal");
    decimal.parameters.insert("scale".into(), "2".into());
    decimal.version = Some(1);
    let item = Arc::new(
        Schema::structure([
            ("sku".into(), Schema::string()),
            ("qty".into(), prim(SchemaType::Int32)),
        ])
        .named("com.example.Item"),
    );
    let mut note = Schema::primitive(SchemaType::String).optional();
    note.default_value = Some(Value::String("none".into()));
    note.doc = Some("free text".into());
    let order = Arc::new(
        Schema::structure([
            ("id".into(), prim(SchemaType::Int64)),
            ("i8".into(), prim(SchemaType::Int8)),
            ("i16".into(), prim(SchemaType::Int16)),
            ("f32".into(), prim(SchemaType::Float32)),
            ("f64".into(), prim(SchemaType::Float64)),
            (
                "ok".into(),
                Arc::new(Schema::primitive(SchemaType::Boolean).optional()),
            ),
            ("amount".into(), Arc::new(decimal)),
            (
                "day".into(),
                named(SchemaType::Int32, "org.apache.kafka.connect.data.Date"),
            ),
            (
                "time".into(),
                named(SchemaType::Int32, "org.apache.kafka.connect.data.Time"),
            ),
            (
                "ts".into(),
                named(SchemaType::Int64, "org.apache.kafka.connect.data.Timestamp"),
            ),
            ("items".into(), Arc::new(Schema::array(item.clone()))),
            (
                "tags".into(),
                Arc::new(Schema::map(Schema::string(), prim(SchemaType::Int64)).optional()),
            ),
            ("note".into(), Arc::new(note)),
            ("blob".into(), Schema::optional_bytes()),
        ])
        .named("com.example.Order"),
    );
    let mut it = Struct::new(item);
    it.put("sku", Value::String("ab-1".into()));
    it.put("qty", Value::Int32(3));
    let mut o = Struct::new(order.clone());
    for (k, v) in [
        ("id", Value::Int64(-42)),
        ("i8", Value::Int8(-8)),
        ("i16", Value::Int16(1600)),
        ("f32", Value::Float32(1.5)),
        ("f64", Value::Float64(-0.1)),
        ("ok", Value::Null),
        ("amount", Value::Bytes(vec![0x30, 0x39])),
        ("day", Value::Int32(19_000)),
        ("time", Value::Int32(3_600_000)),
        ("ts", Value::Int64(1_700_000_000_123)),
        (
            "items",
            Value::Array(vec![Value::Struct(it.clone()), Value::Struct(it)]),
        ),
        (
            "tags",
            Value::Map(vec![
                (Value::String("b".into()), Value::Int64(2)),
                (Value::String("a".into()), Value::Int64(1)),
            ]),
        ),
        ("note", Value::String("héllo ✓".into())),
        ("blob", Value::Bytes(vec![0, 255, 7])),
    ] {
        assert!(o.put(k, v), "{k}");
    }
    let file = OffsetMap::from([("file".into(), OffsetValue::String("/in.txt".into()))]);
    let offset = OffsetMap::from([
        ("pos".into(), OffsetValue::Int64(123)),
        ("f".into(), OffsetValue::Float64(0.5)),
        ("b".into(), OffsetValue::Boolean(true)),
        ("n".into(), OffsetValue::Null),
        ("raw".into(), OffsetValue::Bytes(vec![1, 2])),
    ]);
    let source = [
        SourceRecord {
            source_partition: file.clone(),
            source_offset: offset,
            topic: "orders".into(),
            kafka_partition: Some(2),
            key_schema: Some(Schema::string()),
            key: Value::String("k1".into()),
            value_schema: Some(order.clone()),
            value: Value::Struct(o.clone()),
            timestamp: Some(1_700_000_000_000),
            headers: vec![
                Header {
                    key: "h1".into(),
                    schema: Some(Schema::string()),
                    value: Value::String("v".into()),
                },
                Header {
                    key: "h2".into(),
                    schema: None,
                    value: Value::Bytes(vec![9]),
                },
            ],
        },
        SourceRecord {
            source_partition: file,
            source_offset: OffsetMap::new(),
            topic: "schemaless".into(),
            kafka_partition: None,
            key_schema: None,
            key: Value::Null,
            value_schema: None,
            value: Value::Map(vec![
                (
                    Value::String("list".into()),
                    Value::Array(vec![Value::Int64(1), Value::Boolean(false), Value::Null]),
                ),
                (Value::Int64(7), Value::Float64(2.5)),
            ]),
            timestamp: None,
            headers: vec![],
        },
        SourceRecord {
            source_partition: OffsetMap::new(),
            source_offset: OffsetMap::new(),
            topic: "orders".into(),
            kafka_partition: None,
            key_schema: Some(Schema::string()),
            key: Value::String("k2".into()),
            value_schema: Some(order.clone()),
            value: Value::Struct(o.clone()),
            timestamp: None,
            headers: vec![],
        },
    ];
    let sink = [
        SinkRecord {
            topic: "orders".into(),
            kafka_partition: 3,
            kafka_offset: 9_000_000_000,
            key_schema: None,
            key: Value::Bytes(b"key".to_vec()),
            value_schema: Some(order),
            value: Value::Struct(o),
            timestamp: Some(5),
            timestamp_type: TimestampType::LogAppendTime,
            headers: vec![Header {
                key: "h".into(),
                schema: Some(Schema::optional_string()),
                value: Value::Null,
            }],
        },
        SinkRecord {
            topic: "lines".into(),
            kafka_partition: 0,
            kafka_offset: 0,
            key_schema: None,
            key: Value::Null,
            value_schema: Some(Schema::string()),
            value: Value::String("hello".into()),
            timestamp: None,
            timestamp_type: TimestampType::NoTimestampType,
            headers: vec![],
        },
    ];
    BTreeMap::from([
        ("source.bin", encode_source(&source)),
        ("empty-source.bin", encode_source(&[])),
        ("sink.bin", encode_sink(&sink)),
    ])
}

/// Runs `python -m unittest discover -s <dir>` from the repo root; panics with its output.
fn unittest(dir: &str) {
    let out = Command::new(python())
        .args(["-m", "unittest", "discover", "-s", dir])
        .current_dir(repo_root())
        .output()
        .expect("run python");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "python unit tests in {dir} failed:\n{text}"
    );
}

#[test]
fn golden_vectors_match_the_rust_codec_and_python_unit_tests_pass() {
    let dir = repo_root().join("guest-sdk/python/tests/golden");
    for (name, bytes) in golden_vectors() {
        let path = dir.join(name);
        if std::env::var_os("WASMCONNECT_BLESS").is_some() {
            std::fs::create_dir_all(&dir).expect("golden dir");
            std::fs::write(&path, &bytes).expect("write golden");
        }
        let committed = std::fs::read(&path).unwrap_or_default();
        assert!(
            committed == bytes,
            "{} differs from the Rust codec's output; rerun with WASMCONNECT_BLESS=1",
            path.display()
        );
    }
    unittest("guest-sdk/python/tests");
    unittest("connectors-wasm/python-orders");
}

const JSON: &str = "org.apache.kafka.connect.json.JsonConverter";

fn orders_source(w: &TestWorker, name: &str, topic: &str, extra: &[(&str, &str)]) {
    let mut config = vec![
        (
            "connector.class",
            "io.wasmconnect.python.OrdersSourceConnector",
        ),
        ("topic", topic),
        ("orders.per.poll", "50"),
        ("key.converter", JSON),
        ("key.converter.schemas.enable", "true"),
        ("value.converter", JSON),
        ("value.converter.schemas.enable", "true"),
    ];
    config.extend_from_slice(extra);
    w.create(name, &config);
}

fn file_sink(w: &TestWorker, name: &str, topic: &str, file: &std::path::Path) {
    w.create(
        name,
        &[
            ("connector.class", "FileStreamSink"),
            ("file", &file.display().to_string()),
            ("topics", topic),
            ("value.converter", JSON),
            ("value.converter.schemas.enable", "true"),
        ],
    );
}

/// The scaffold's Python sink template, as `template-sink`: one JSON line per record.
fn py_sink(w: &TestWorker, name: &str, topic: &str, file: &std::path::Path) {
    w.create(
        name,
        &[
            ("connector.class", "TemplateSink"),
            ("file", &file.display().to_string()),
            // Only FileStream connectors get the directory of `file` without asking.
            ("wasm.allowed.dirs", &w.dir.display().to_string()),
            ("topics", topic),
            ("key.converter", JSON),
            ("value.converter", JSON),
            ("value.converter.schemas.enable", "true"),
        ],
    );
}

/// The order ids in the Python sink's JSON lines, in file order.
fn jsonl_ids(file: &std::path::Path) -> Vec<i64> {
    read_lines(file)
        .iter()
        .map(|l| {
            let v: Json = serde_json::from_str(l).expect("a JSON line");
            v["value"]["id"]
                .as_i64()
                .unwrap_or_else(|| panic!("no id: {l}"))
        })
        .collect()
}

#[test]
fn python_orders_flow_to_the_file_sink_and_resume_after_a_restart() {
    let k = kafka();
    let topic = unique("py-orders");
    let name = unique("pyorders");
    let mut w = WorkerBuilder::new(&k.bootstrap())
        .plugins(&["python-orders", "file-stream-sink", "python-template-sink"])
        .start();
    let output = w.dir.join(format!("{name}.out.txt"));
    let jsonl = w.dir.join(format!("{name}.out.jsonl"));
    orders_source(
        &w,
        &format!("{name}-source"),
        &topic,
        &[("orders.max", "300")],
    );
    file_sink(&w, &format!("{name}-sink"), &topic, &output);
    // The scaffold's Python sink template reads the same topic: the SDK's sink side.
    py_sink(&w, &format!("{name}-pysink"), &topic, &jsonl);
    wait_for(
        Duration::from_secs(120),
        "300 orders in both sink files",
        || {
            let file_sink = std::fs::read_to_string(&output).unwrap_or_default();
            (file_sink.matches("Struct{id=").count() >= 300 && jsonl_ids(&jsonl).len() >= 300)
                .then_some(())
        },
    );
    let py: Vec<Json> = read_lines(&jsonl)
        .iter()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(py[0]["value"]["id"], 0, "{}", py[0]);
    assert_eq!(py[299]["offset"], 299);
    // Logical types arrive as Python's: Decimal (as text) and an ISO timestamp.
    assert!(
        py[0]["value"]["amount"]
            .as_str()
            .is_some_and(|a| a.contains('.')),
        "{}",
        py[0]
    );
    assert!(
        py[0]["value"]["created"]
            .as_str()
            .is_some_and(|c| c.starts_with("2023-11-14T22:13")),
        "{}",
        py[0]
    );
    assert!(py[0]["value"]["items"][0]["sku"].is_string(), "{}", py[0]);

    // What Kafka holds: JsonConverter envelopes with the Python schema, logical types included.
    let first: Json = serde_json::from_str(
        k.console_consume(&topic, 1, Duration::from_secs(60))
            .first()
            .expect("one record"),
    )
    .expect("json");
    let schema = &first["schema"];
    assert_eq!(schema["type"], "struct");
    assert_eq!(schema["name"], "io.wasmconnect.python.Order");
    let field = |n: &str| {
        schema["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .find(|f| f["field"] == n)
            .cloned()
            .unwrap_or_else(|| panic!("no field {n}: {schema}"))
    };
    assert_eq!(
        field("amount")["name"],
        "org.apache.kafka.connect.data.Decimal"
    );
    assert_eq!(field("amount")["parameters"], json!({"scale": "2"}));
    assert_eq!(
        field("created")["name"],
        "org.apache.kafka.connect.data.Timestamp"
    );
    assert_eq!(field("items")["items"]["fields"][0]["field"], "sku");
    assert_eq!(field("note")["optional"], true);
    let payload = &first["payload"];
    assert_eq!(payload["id"], 0);
    assert!(
        payload["amount"].is_string(),
        "Decimal as base64 bytes: {payload}"
    );
    assert!(payload["created"].as_i64().expect("created") >= 1_700_000_000_000);
    assert!(!payload["items"].as_array().expect("items").is_empty());

    // Graceful restart: the source resumes after its committed offset.
    std::thread::sleep(Duration::from_millis(1500));
    w.stop();
    w.restart();
    orders_source(
        &w,
        &format!("{name}-source"),
        &topic,
        &[("orders.max", "700")],
    );
    file_sink(&w, &format!("{name}-sink"), &topic, &output);
    py_sink(&w, &format!("{name}-pysink"), &topic, &jsonl);
    wait_for(
        Duration::from_secs(120),
        "700 orders in the Python sink",
        || (jsonl_ids(&jsonl).len() >= 700).then_some(()),
    );
    std::thread::sleep(Duration::from_secs(2));
    let all: Vec<i64> = (0..700).collect();
    // In Kafka: each order exactly once, in order (a repeat would show before order 699).
    let in_kafka: Vec<i64> = k
        .console_consume(&topic, 700, Duration::from_secs(60))
        .iter()
        .map(|l| {
            let v: Json = serde_json::from_str(l).expect("json");
            v["payload"]["id"].as_i64().expect("id")
        })
        .collect();
    assert_eq!(in_kafka, all, "lost or duplicated orders across a restart");
    assert_eq!(
        jsonl_ids(&jsonl),
        all,
        "the Python sink lost or repeated orders"
    );
    // FileStreamSink writes Connect's toString (Decimal bytes raw, so not one line each).
    let text = std::fs::read_to_string(&output).unwrap_or_default();
    assert_eq!(
        text.matches("Struct{id=").count(),
        700,
        "FileStreamSink output"
    );
}

#[test]
fn python_bad_config_is_a_400_naming_the_field_and_a_raise_fails_the_task() {
    let k = kafka();
    let mut w = WorkerBuilder::new(&k.bootstrap())
        .plugins(&["python-orders"])
        .start();
    let class = "io.wasmconnect.python.OrdersSourceConnector";
    let (code, body) = w.put(
        &format!("/connector-plugins/{class}/config/validate"),
        Some(&json!({"connector.class": class, "orders.per.poll": "0"})),
    );
    assert_eq!(code, 200, "{body}");
    let errors: Vec<String> = body["configs"]
        .as_array()
        .expect("configs")
        .iter()
        .flat_map(|c| c["value"]["errors"].as_array().cloned().unwrap_or_default())
        .filter_map(|e| e.as_str().map(str::to_owned))
        .collect();
    assert!(errors.iter().any(|e| e.contains("\"topic\"")), "{body}");
    assert!(
        errors
            .iter()
            .any(|e| e == "Invalid value 0 for configuration orders.per.poll: must be positive"),
        "{body}"
    );
    let (code, body) = w.post(
        "/connectors",
        &json!({"name": "bad-orders", "config": {"connector.class": "PythonOrders", "topic": "t",
            "orders.per.poll": "zero"}}),
    );
    assert_eq!(code, 400, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or("")
            .contains("orders.per.poll"),
        "{body}"
    );

    let topic = unique("py-fail");
    orders_source(&w, "failing-orders", &topic, &[("fail.after", "120")]);
    let trace = w.wait_task_state("failing-orders", 0, "FAILED", Duration::from_secs(60));
    assert!(
        trace.contains("ValueError: simulated failure after 120 orders"),
        "{trace}"
    );
    assert!(w.is_running(), "the worker survives a raising task");
}

#[test]
fn python_datagen_emits_max_records_and_resumes_after_a_restart() {
    let k = kafka();
    let topic = unique("py-datagen");
    let mut w = WorkerBuilder::new(&k.bootstrap())
        .plugins(&["python-datagen", "file-stream-sink"])
        .start();
    let output = w.dir.join("datagen.out.txt");
    let bytes = "org.apache.kafka.connect.converters.ByteArrayConverter";
    let pipeline = |w: &TestWorker, max: &str| {
        w.create(
            "py-datagen",
            &[
                ("connector.class", "PythonDatagen"),
                ("topic", &topic),
                ("value.size", "8"),
                ("batch.size", "100"),
                ("max.records", max),
                ("value.converter", bytes),
            ],
        );
        w.create(
            "py-datagen-sink",
            &[
                ("connector.class", "FileStreamSink"),
                ("file", &output.display().to_string()),
                ("topics", &topic),
                ("value.converter", bytes),
            ],
        );
    };
    pipeline(&w, "1000");
    wait_for(Duration::from_secs(120), "1,000 datagen records", || {
        (read_lines(&output).len() >= 1000).then_some(())
    });
    std::thread::sleep(Duration::from_millis(1500));
    w.stop();
    w.restart();
    pipeline(&w, "1500");
    wait_for(Duration::from_secs(120), "1,500 datagen records", || {
        (read_lines(&output).len() >= 1500).then_some(())
    });
    std::thread::sleep(Duration::from_secs(2));
    let lines = read_lines(&output);
    assert_eq!(
        lines.len(),
        1500,
        "max.records is a total, resumed from seq 1000"
    );
    assert!(
        lines
            .iter()
            .all(|l| l.as_bytes() == [0, 1, 2, 3, 4, 5, 6, 7]),
        "{:?}",
        lines[0]
    );
}
