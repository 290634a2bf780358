//! JavaScript/TypeScript connectors (guest-sdk/js): the TypeScript JSON-lines sink and the
//! JavaScript datagen source in the real worker on the real broker, next to the Rust file
//! connectors; their error paths; and the SDK's WCB1 codec against the Rust codec.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value as Json, json};
use wasmconnect_data::batch;
use wasmconnect_data::{
    Header, OffsetMap, OffsetValue, Schema, SchemaType, SinkRecord, SourceRecord, Struct,
    TimestampType, Value,
};
use wasmconnect_tests::worker::{TestWorker, WorkerBuilder, read_lines, wait_for};
use wasmconnect_tests::{kafka, repo_root, unique};

const SINK: &str = "ts-jsonl-sink";
const DATAGEN: &str = "js-datagen";
const SINK_CLASS: &str = "io.wasmconnect.ts.JsonlSinkConnector";

/// One JsonConverter envelope (schemas.enable=true) of an order struct.
fn order_json(i: u32) -> String {
    json!({
        "schema": {
            "type": "struct", "name": "shop.Order", "optional": false,
            "fields": [
                {"field": "id", "type": "int64", "optional": false},
                {"field": "customer", "type": "string", "optional": true},
                {"field": "amount", "type": "bytes", "optional": false,
                 "name": "org.apache.kafka.connect.data.Decimal", "version": 1,
                 "parameters": {"scale": "2"}},
                {"field": "at", "type": "int64", "optional": false,
                 "name": "org.apache.kafka.connect.data.Timestamp", "version": 1},
                {"field": "tags", "type": "array", "optional": false,
                 "items": {"type": "string", "optional": false}},
                {"field": "blob", "type": "bytes", "optional": true},
            ],
        },
        "payload": {
            "id": 9_007_199_254_740_993_i64 + i64::from(i),
            "customer": if i.is_multiple_of(2) { Json::from(format!("c{i}")) } else { Json::Null },
            // Decimal 12.34 + i, base64 of the unscaled big-endian integer.
            "amount": base64(&decimal_bytes(1234 + i64::from(i) * 100)),
            "at": 1_700_000_000_000_i64 + i64::from(i),
            "tags": ["a", format!("t{i}")],
            "blob": base64(&[0, 1, 2, 250, i as u8]),
        },
    })
    .to_string()
}

/// The line the sink must write for `order_json(i)` at `offset`.
fn order_line(topic: &str, i: u32, offset: u32) -> Json {
    let at_ms = 1_700_000_000_000_i64 + i64::from(i);
    json!({
        "topic": topic, "partition": 0, "offset": offset,
        "key": Json::Null,
        "value": {
            "id": 9_007_199_254_740_993_i64 + i64::from(i),
            "customer": if i.is_multiple_of(2) { Json::from(format!("c{i}")) } else { Json::Null },
            "amount": serde_json::from_str::<Json>(&format!("{}.34", 12 + i)).unwrap(),
            "at": iso_millis(at_ms),
            "tags": ["a", format!("t{i}")],
            "blob": base64(&[0, 1, 2, 250, i as u8]),
        },
    })
}

fn decimal_bytes(n: i64) -> Vec<u8> {
    let b = n.to_be_bytes();
    let skip = b.iter().take_while(|&&x| x == 0).count().min(7);
    let mut v = b[skip..].to_vec();
    if v[0] & 0x80 != 0 {
        v.insert(0, 0);
    }
    v
}

fn base64(b: &[u8]) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for c in b.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        s.push(T[(n >> 18) as usize] as char);
        s.push(T[((n >> 12) & 63) as usize] as char);
        s.push(if c.len() > 1 {
            T[((n >> 6) & 63) as usize] as char
        } else {
            '='
        });
        s.push(if c.len() > 2 {
            T[(n & 63) as usize] as char
        } else {
            '='
        });
    }
    s
}

/// `2023-11-14T22:13:20.000Z` for a millisecond timestamp (days-from-civil, proleptic UTC).
fn iso_millis(ms: i64) -> String {
    let (days, rem) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000
    )
}

/// Starts a worker with these plugins. Each JavaScript plugin is a 13 MB component the worker
/// compiles at start (cached in its plugin path afterwards, so restarts are quick); one start
/// at a time keeps that within the harness's 60 s REST wait on a busy 2-core machine.
fn start_worker(plugins: &[&str]) -> TestWorker {
    static STARTS: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = STARTS.lock().unwrap_or_else(|e| e.into_inner());
    WorkerBuilder::new(&kafka().bootstrap())
        .plugins(plugins)
        .start()
}

fn create_sink(w: &TestWorker, name: &str, topic: &str, file: &Path) {
    w.create(
        name,
        &[
            ("connector.class", SINK_CLASS),
            ("topics", topic),
            ("file", &file.display().to_string()),
            ("wasm.allowed.dirs", &w.dir.display().to_string()),
            (
                "value.converter",
                "org.apache.kafka.connect.json.JsonConverter",
            ),
            ("value.converter.schemas.enable", "true"),
        ],
    );
}

fn wait_lines(file: &Path, n: usize) -> Vec<Json> {
    wait_for(Duration::from_secs(120), &format!("{n} JSON lines"), || {
        (read_lines(file).len() >= n).then_some(())
    });
    // Give a straggler time to show up as a duplicate, if there were one.
    std::thread::sleep(Duration::from_secs(2));
    read_lines(file)
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn strip_timestamps(lines: Vec<Json>) -> Vec<Json> {
    lines
        .into_iter()
        .map(|mut l| {
            assert!(l["timestamp"].is_i64(), "record timestamp missing: {l}");
            l.as_object_mut().unwrap().remove("timestamp");
            l
        })
        .collect()
}

#[test]
fn ts_jsonl_sink_writes_json_lines_resumes_without_duplicates_and_reports_errors() {
    let k = kafka();
    let topic = unique("js-jsonl");
    let name = unique("jsonl");
    k.create_topic(&topic, 1);
    let mut w = start_worker(&[SINK, "file-stream-sink"]);
    sink_errors(&w);
    let out = w.dir.join("orders.jsonl");
    k.produce_lines(&topic, &(0..30).map(order_json).collect::<Vec<_>>());
    create_sink(&w, &name, &topic, &out);
    let expected: Vec<Json> = (0..30).map(|i| order_line(&topic, i, i)).collect();
    assert_eq!(strip_timestamps(wait_lines(&out, 30)), expected);

    // A graceful restart: lines written at the last pre-commit are exactly the committed
    // offsets, so nothing is written twice.
    w.stop();
    k.produce_lines(&topic, &(30..50).map(order_json).collect::<Vec<_>>());
    w.restart();
    create_sink(&w, &name, &topic, &out);
    let expected: Vec<Json> = (0..50).map(|i| order_line(&topic, i, i)).collect();
    assert_eq!(
        strip_timestamps(wait_lines(&out, 50)),
        expected,
        "lost or duplicated lines across a restart"
    );
}

#[test]
fn js_datagen_feeds_the_rust_file_sink_resumes_from_its_offsets_and_reports_errors() {
    let k = kafka();
    let topic = unique("js-datagen");
    let name = unique("datagen");
    k.create_topic(&topic, 1);
    let mut w = start_worker(&[DATAGEN, "file-stream-sink"]);
    datagen_errors(&w);
    let out = w.dir.join("datagen.txt");
    let datagen = |w: &TestWorker, max: &str| {
        w.create(
            &format!("{name}-source"),
            &[
                ("connector.class", "JsDatagen"),
                ("topic", &topic),
                ("value.size", "10"),
                ("batch.size", "7"),
                ("max.records", max),
                (
                    "value.converter",
                    "org.apache.kafka.connect.converters.ByteArrayConverter",
                ),
            ],
        );
    };
    let sink = |w: &TestWorker| {
        w.create(
            &format!("{name}-sink"),
            &[
                ("connector.class", "FileStreamSink"),
                ("topics", &topic),
                ("file", &out.display().to_string()),
            ],
        );
    };
    datagen(&w, "300");
    sink(&w);
    wait_for(Duration::from_secs(120), "300 lines", || {
        (read_lines(&out).len() >= 300).then_some(())
    });
    w.stop();
    // Same connector name, a higher limit: the task resumes after seq 299.
    w.restart();
    datagen(&w, "500");
    sink(&w);
    wait_for(Duration::from_secs(120), "500 lines", || {
        (read_lines(&out).len() >= 500).then_some(())
    });
    std::thread::sleep(Duration::from_secs(3));
    let lines = read_lines(&out);
    assert_eq!(
        lines.len(),
        500,
        "lost or duplicated records across a restart"
    );
    assert!(lines.iter().all(|l| l == "aaaaaaaaaa"), "unexpected value");
    let offsets = std::fs::read_to_string(w.dir.join("connect.offsets")).unwrap_or_default();
    let offsets: Json = serde_json::from_str(&offsets).expect("offsets file is JSON");
    assert!(
        offsets["offsets"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|o| o["key"][1]["datagen"] == "0" && o["value"]["seq"] == 499),
        "the last committed offset is seq 499: {offsets}"
    );
}

/// `file` missing is reported by config/validate; a file outside `wasm.allowed.dirs` fails
/// the task with the SDK's `FatalError` message.
fn sink_errors(w: &TestWorker) {
    // validate: `file` missing.
    let (code, body) = w.put(
        &format!("/connector-plugins/{SINK_CLASS}/config/validate"),
        Some(&json!({"name": "v", "connector.class": SINK_CLASS, "topics": "t"})),
    );
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["error_count"], 1, "{body}");
    let file = body["configs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["value"]["name"] == "file")
        .unwrap_or_else(|| panic!("no `file` in {body}"));
    assert!(
        file["value"]["errors"][0]
            .as_str()
            .unwrap()
            .contains("Missing required configuration \"file\""),
        "{body}"
    );

    // A FatalError from the SDK: the file is outside the granted directories.
    let name = unique("denied");
    w.create(
        &name,
        &[
            ("connector.class", "TsJsonlSink"),
            ("topics", &unique("denied")),
            ("file", "/nowhere/out.jsonl"),
        ],
    );
    let trace = w.wait_task_state(&name, 0, "FAILED", Duration::from_secs(60));
    assert!(trace.contains("wasm.allowed.dirs"), "{trace}");
}

/// A non-integer `value.size` is a 400 naming the key; a plain JavaScript exception in a task
/// fails it with its message.
fn datagen_errors(w: &TestWorker) {
    // create: a non-integer `value.size` is a 400 naming the key.
    let (code, body) = w.post(
        "/connectors",
        &json!({"name": unique("bad"), "config": {
            "connector.class": "JsDatagen", "topic": "t", "value.size": "big"}}),
    );
    assert_eq!(code, 400, "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(message.contains("value.size"), "{message}");

    // A plain JavaScript exception in a task (a RangeError from `new Uint8Array(-1)`)
    // fails it with the message, not a trap.
    let name = unique("raises");
    w.create(
        &name,
        &[
            ("connector.class", "JsDatagen"),
            ("topic", &unique("raises")),
            ("value.size", "-1"),
        ],
    );
    let trace = w.wait_task_state(&name, 0, "FAILED", Duration::from_secs(60));
    assert!(trace.contains("RangeError"), "{trace}");
    assert!(
        !trace.contains("wasm trap"),
        "a trap, not a fatal error: {trace}"
    );
}

// --- the WCB1 codec against the Rust codec ----------------------------------------------------

fn prim(t: SchemaType) -> Schema {
    Schema::primitive(t)
}

fn logical(t: SchemaType, name: &str) -> Schema {
    let mut s = prim(t).named(name);
    s.version = Some(1);
    s
}

/// The schema `guest-sdk/js/tests/codec.test.mjs` builds as `orderSchema()`.
fn order_schema() -> Arc<Schema> {
    let mut decimal = logical(SchemaType::Bytes, "org.apache.kafka.connect.data.Decimal");
    decimal.parameters.insert("scale".into(), "2".into());
    let mut y = prim(SchemaType::Int16).optional();
    y.default_value = Some(Value::Int16(7));
    let point = Schema::structure([
        ("x".to_string(), Arc::new(prim(SchemaType::Int8))),
        ("y".to_string(), Arc::new(y)),
    ]);
    let mut s = Schema::structure([
        ("id".to_string(), Arc::new(prim(SchemaType::Int64))),
        ("name".to_string(), Schema::optional_string()),
        ("price".to_string(), Arc::new(decimal)),
        (
            "day".to_string(),
            Arc::new(logical(
                SchemaType::Int32,
                "org.apache.kafka.connect.data.Date",
            )),
        ),
        (
            "time".to_string(),
            Arc::new(logical(
                SchemaType::Int32,
                "org.apache.kafka.connect.data.Time",
            )),
        ),
        (
            "ts".to_string(),
            Arc::new(logical(
                SchemaType::Int64,
                "org.apache.kafka.connect.data.Timestamp",
            )),
        ),
        (
            "tags".to_string(),
            Arc::new(Schema::array(Schema::string())),
        ),
        (
            "attrs".to_string(),
            Arc::new(Schema::map(
                Schema::string(),
                Arc::new(prim(SchemaType::Int32)),
            )),
        ),
        ("point".to_string(), Arc::new(point)),
        ("f32".to_string(), Arc::new(prim(SchemaType::Float32))),
        ("f64".to_string(), Arc::new(prim(SchemaType::Float64))),
        ("ok".to_string(), Arc::new(prim(SchemaType::Boolean))),
        ("raw".to_string(), Schema::optional_bytes()),
    ])
    .named("shop.Order");
    s.version = Some(3);
    s.doc = Some("an order ✓".into());
    Arc::new(s)
}

fn order(schema: &Arc<Schema>, id: i64, name: Option<&str>) -> Value {
    let mut point = Struct::new(schema.field("point").unwrap().schema.clone());
    point.put("x", Value::Int8(-3));
    point.put("y", Value::Int16(300));
    let mut s = Struct::new(schema.clone());
    s.put("id", Value::Int64(id));
    s.put(
        "name",
        name.map_or(Value::Null, |n| Value::String(n.into())),
    );
    s.put("price", Value::Bytes(vec![0x04, 0xd2])); // 12.34
    s.put("day", Value::Int32(19_675));
    s.put("time", Value::Int32(3_723_004));
    s.put("ts", Value::Int64(1_700_000_000_123));
    s.put(
        "tags",
        Value::Array(vec![Value::String("a".into()), Value::String("é".into())]),
    );
    s.put(
        "attrs",
        Value::Map(vec![
            (Value::String("k".into()), Value::Int32(1)),
            (Value::String("z".into()), Value::Int32(-2)),
        ]),
    );
    s.put("point", Value::Struct(point));
    s.put("f32", Value::Float32(1.5));
    s.put("f64", Value::Float64(-0.25));
    s.put("ok", Value::Boolean(true));
    s.put("raw", Value::Bytes(vec![0, 255]));
    Value::Struct(s)
}

/// The records `codec.test.mjs` builds as `sourceRecords()`.
fn source_records() -> Vec<SourceRecord> {
    let schema = order_schema();
    let int32 = Arc::new(prim(SchemaType::Int32));
    let partition = OffsetMap::from([("file".into(), OffsetValue::String("a.txt".into()))]);
    vec![
        SourceRecord {
            source_partition: partition.clone(),
            source_offset: OffsetMap::from([
                ("pos".into(), OffsetValue::Int64(42)),
                ("ratio".into(), OffsetValue::Float64(0.5)),
                ("ok".into(), OffsetValue::Boolean(true)),
                ("none".into(), OffsetValue::Null),
                ("b".into(), OffsetValue::Bytes(vec![1, 2])),
            ]),
            topic: "orders".into(),
            kafka_partition: Some(2),
            key_schema: Some(Schema::string()),
            key: Value::String("k1".into()),
            value_schema: Some(schema.clone()),
            value: order(&schema, 1, Some("first")),
            timestamp: Some(1_700_000_000_000),
            headers: vec![
                Header {
                    key: "h1".into(),
                    schema: Some(int32),
                    value: Value::Int32(5),
                },
                Header {
                    key: "h2".into(),
                    schema: None,
                    value: Value::String("v".into()),
                },
            ],
        },
        SourceRecord {
            source_partition: partition.clone(),
            source_offset: OffsetMap::from([("pos".into(), OffsetValue::Int64(43))]),
            topic: "orders".into(),
            kafka_partition: None,
            key_schema: None,
            key: Value::Null,
            value_schema: None,
            value: Value::Map(vec![
                (Value::String("a".into()), Value::Int64(-1)),
                (
                    Value::String("b".into()),
                    Value::Array(vec![
                        Value::Float64(1.5),
                        Value::String("x".into()),
                        Value::Boolean(false),
                        Value::Bytes(vec![9]),
                        Value::Null,
                    ]),
                ),
            ]),
            timestamp: None,
            headers: Vec::new(),
        },
        SourceRecord {
            source_partition: partition,
            source_offset: OffsetMap::from([("pos".into(), OffsetValue::Int64(44))]),
            topic: "orders".into(),
            kafka_partition: None,
            key_schema: None,
            key: Value::Null,
            value_schema: Some(schema.clone()),
            value: order(&schema, i64::MIN, None),
            timestamp: Some(-1),
            headers: Vec::new(),
        },
    ]
}

fn sink_records() -> Vec<SinkRecord> {
    source_records()
        .into_iter()
        .enumerate()
        .map(|(i, r)| SinkRecord {
            topic: r.topic,
            kafka_partition: 1,
            kafka_offset: 1000 + i as i64,
            key_schema: r.key_schema,
            key: r.key,
            value_schema: r.value_schema,
            value: r.value,
            timestamp: r.timestamp,
            timestamp_type: [
                TimestampType::CreateTime,
                TimestampType::NoTimestampType,
                TimestampType::LogAppendTime,
            ][i % 3],
            headers: r.headers,
        })
        .collect()
}

fn sdk_dir() -> PathBuf {
    repo_root().join("guest-sdk/js")
}

/// The golden batches under guest-sdk/js/tests/golden/ are what the Rust codec writes now
/// (`WASMCONNECT_BLESS=1` rewrites them); the SDK's node tests then decode and re-encode them
/// byte for byte and build the same records in JavaScript.
#[test]
fn js_codec_matches_the_rust_codec_byte_for_byte() {
    let golden = sdk_dir().join("tests/golden");
    let bless = std::env::var_os("WASMCONNECT_BLESS").is_some();
    let mut files = BTreeMap::new();
    files.insert("source.wcb1", batch::encode_source(&source_records()));
    files.insert("sink.wcb1", batch::encode_sink(&sink_records()));
    files.insert("empty-source.wcb1", batch::encode_source(&[]));
    for (name, bytes) in &files {
        let path = golden.join(name);
        if bless {
            std::fs::create_dir_all(&golden).expect("golden dir");
            std::fs::write(&path, bytes).expect("write golden");
        }
        let committed = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (WASMCONNECT_BLESS=1 writes it)", path.display()));
        assert!(
            &committed == bytes,
            "{} differs from the Rust codec's output (WASMCONNECT_BLESS=1 rewrites it)",
            path.display()
        );
    }
    // The node tests import the compiled SDK (`make wasm` builds guest-sdk/js/dist).
    let out = Command::new("node")
        .arg("--test")
        .arg("tests/")
        .current_dir(sdk_dir())
        .output()
        .expect("node (Node.js 20) is required for the JavaScript SDK tests");
    assert!(
        out.status.success(),
        "JavaScript SDK tests failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
