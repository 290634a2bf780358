//! Writes the golden WCB1 batches the C SDK's codec test compares against, byte for byte.
//! The same records are built in C in `../codec_test.c`; keep the two in step.

use std::collections::BTreeMap;
use std::sync::Arc;

use wasmconnect_data::batch::{encode_sink, encode_source};
use wasmconnect_data::{
    Header, OffsetMap, OffsetValue, Schema, SchemaType, SinkRecord, SourceRecord, Struct,
    TimestampType, Value,
};

fn logical(t: SchemaType, name: &str) -> Schema {
    let mut s = Schema::primitive(t).named(name);
    s.version = Some(1);
    s
}

/// A struct schema with every kind of field the format has.
fn everything() -> Arc<Schema> {
    let p = |t| Arc::new(Schema::primitive(t));
    let mut decimal = logical(SchemaType::Bytes, "org.apache.kafka.connect.data.Decimal");
    decimal.parameters = BTreeMap::from([("scale".to_string(), "2".to_string())]);
    let mut with_default = Schema::primitive(SchemaType::Int32);
    with_default.default_value = Some(Value::Int32(42));
    with_default.doc = Some("has a default".into());
    let mut s = Schema::structure([
        ("i8".to_string(), p(SchemaType::Int8)),
        ("i16".into(), p(SchemaType::Int16)),
        ("i32".into(), p(SchemaType::Int32)),
        ("i64".into(), p(SchemaType::Int64)),
        ("f32".into(), p(SchemaType::Float32)),
        ("f64".into(), p(SchemaType::Float64)),
        ("bool".into(), p(SchemaType::Boolean)),
        ("str".into(), p(SchemaType::String)),
        ("bytes".into(), p(SchemaType::Bytes)),
        ("opt".into(), Arc::new(Schema::primitive(SchemaType::String).optional())),
        ("dflt".into(), Arc::new(with_default)),
        ("arr".into(), Arc::new(Schema::array(p(SchemaType::Int64)))),
        ("map".into(), Arc::new(Schema::map(p(SchemaType::String), p(SchemaType::Float64)))),
        ("decimal".into(), Arc::new(decimal)),
        ("date".into(), Arc::new(logical(SchemaType::Int32, "org.apache.kafka.connect.data.Date"))),
        ("time".into(), Arc::new(logical(SchemaType::Int32, "org.apache.kafka.connect.data.Time"))),
        ("ts".into(), Arc::new(logical(SchemaType::Int64, "org.apache.kafka.connect.data.Timestamp"))),
        ("inner".into(), Arc::new(Schema::structure([("x".to_string(), p(SchemaType::Int32))]).optional())),
    ])
    .named("com.example.Everything");
    s.version = Some(3);
    Arc::new(s)
}

fn everything_value(schema: &Arc<Schema>, n: i64) -> Value {
    let inner = schema.field("inner").unwrap().schema.clone();
    let mut st = Struct::new(schema.clone());
    st.put("i8", Value::Int8(-8));
    st.put("i16", Value::Int16(-1600));
    st.put("i32", Value::Int32(320_000));
    st.put("i64", Value::Int64(-6_400_000_000 + n));
    st.put("f32", Value::Float32(3.25));
    st.put("f64", Value::Float64(-6.5e100));
    st.put("bool", Value::Boolean(n % 2 == 0));
    st.put("str", Value::String(format!("héllo {n}")));
    st.put("bytes", Value::Bytes(vec![0, 1, 2, 255]));
    st.put("opt", if n == 0 { Value::Null } else { Value::String("set".into()) });
    st.put("dflt", Value::Null);
    st.put("arr", Value::Array(vec![Value::Int64(1), Value::Int64(2), Value::Int64(3)]));
    st.put(
        "map",
        Value::Map(vec![
            (Value::String("a".into()), Value::Float64(1.5)),
            (Value::String("b".into()), Value::Float64(-0.0)),
        ]),
    );
    st.put("decimal", Value::Bytes(vec![0x30, 0x39])); // 123.45
    st.put("date", Value::Int32(19_000));
    st.put("time", Value::Int32(3_600_000));
    st.put("ts", Value::Int64(1_700_000_000_000));
    let mut i = Struct::new(inner.clone());
    i.put("x", Value::Int32(7));
    st.put("inner", if n == 0 { Value::Null } else { Value::Struct(i) });
    Value::Struct(st)
}

fn source() -> Vec<SourceRecord> {
    let schema = everything();
    let key_schema = Arc::new(Schema::primitive(SchemaType::String));
    let mut records = Vec::new();
    for n in 0..2 {
        let partition: OffsetMap = BTreeMap::from([
            ("file".to_string(), OffsetValue::String("/data/in.csv".into())),
            ("b".to_string(), OffsetValue::Boolean(true)),
        ]);
        let offset: OffsetMap = BTreeMap::from([
            ("position".to_string(), OffsetValue::Int64(1000 + n)),
            ("f".to_string(), OffsetValue::Float64(0.5)),
            ("n".to_string(), OffsetValue::Null),
            ("raw".to_string(), OffsetValue::Bytes(vec![9, 8])),
        ]);
        records.push(SourceRecord {
            source_partition: partition,
            source_offset: offset,
            topic: "everything".into(),
            kafka_partition: if n == 0 { None } else { Some(3) },
            key_schema: Some(key_schema.clone()),
            key: Value::String(format!("k{n}")),
            value_schema: Some(schema.clone()),
            value: everything_value(&schema, n),
            timestamp: if n == 0 { None } else { Some(1_700_000_000_123) },
            headers: vec![
                Header { key: "h-schema".into(), schema: Some(key_schema.clone()), value: Value::String("v".into()) },
                Header { key: "h-none".into(), schema: None, value: Value::Int32(5) },
            ],
        });
    }
    // Schemaless: a map of string to array, null key.
    records.push(SourceRecord {
        source_partition: BTreeMap::new(),
        source_offset: BTreeMap::new(),
        topic: "schemaless".into(),
        kafka_partition: None,
        key_schema: None,
        key: Value::Null,
        value_schema: None,
        value: Value::Map(vec![(
            Value::String("list".into()),
            Value::Array(vec![Value::Boolean(false), Value::Null, Value::Bytes(vec![])]),
        )]),
        timestamp: None,
        headers: Vec::new(),
    });
    records
}

fn sink() -> Vec<SinkRecord> {
    let schema = everything();
    let opt_bytes = Arc::new(Schema::primitive(SchemaType::Bytes).optional());
    let types = [TimestampType::NoTimestampType, TimestampType::CreateTime, TimestampType::LogAppendTime];
    let mut records: Vec<SinkRecord> = (0..3)
        .map(|n| SinkRecord {
            topic: "everything".into(),
            kafka_partition: n as i32,
            kafka_offset: 1 << (40 + n),
            key_schema: Some(opt_bytes.clone()),
            key: if n == 1 { Value::Null } else { Value::Bytes(vec![n as u8; 3]) },
            value_schema: Some(schema.clone()),
            value: everything_value(&schema, n),
            timestamp: if n == 0 { None } else { Some(1_600_000_000_000 + n) },
            timestamp_type: types[n as usize],
            headers: vec![Header { key: "trace".into(), schema: None, value: Value::String("abc".into()) }],
        })
        .collect();
    records.push(SinkRecord {
        topic: "lines".into(),
        kafka_partition: 0,
        kafka_offset: 7,
        key_schema: None,
        key: Value::Null,
        value_schema: Some(Schema::string()),
        value: Value::String("a line".into()),
        timestamp: Some(-1),
        timestamp_type: TimestampType::CreateTime,
        headers: Vec::new(),
    });
    records
}

fn main() {
    // The output directory: the argument, or the committed ../golden.
    let dir = std::env::args_os().nth(1).map(std::path::PathBuf::from).unwrap_or_else(|| {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../golden")
    });
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("source.wcb1"), encode_source(&source())).unwrap();
    std::fs::write(dir.join("sink.wcb1"), encode_sink(&sink())).unwrap();
    std::fs::write(dir.join("empty-source.wcb1"), encode_source(&[])).unwrap();
    println!("wrote {}", dir.display());
}
