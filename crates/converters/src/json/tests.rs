//! JsonConverter tests. Golden strings are what Kafka 4.1.1's JsonConverter (Java 17, jars in
//! `.tools/kafka/lib`) wrote for the same schema and value.

use std::collections::BTreeMap;
use std::sync::Arc;

use proptest::prelude::*;
use wasmconnect_data::{Schema, SchemaRef, SchemaType, Struct, Value};

use super::*;
use crate::java;

fn json(schemas: bool) -> JsonConverter {
    JsonConverter::with_schemas(schemas)
}

fn numeric() -> JsonConverter {
    let cfg = BTreeMap::from([("decimal.format".to_string(), "numeric".to_string())]);
    JsonConverter::new(&cfg, false).unwrap()
}

fn prim(t: SchemaType) -> SchemaRef {
    Arc::new(Schema::primitive(t))
}

fn logical(t: SchemaType, name: &str, params: &[(&str, &str)]) -> Schema {
    Schema {
        version: Some(1),
        parameters: params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Schema::primitive(t).named(name)
    }
}

fn decimal(scale: i32) -> Schema {
    logical(
        SchemaType::Bytes,
        java::DECIMAL,
        &[("scale", &scale.to_string())],
    )
}

fn write(c: &JsonConverter, schema: Option<&Schema>, value: &Value) -> String {
    let bytes = c
        .from_connect("t", schema, value)
        .unwrap()
        .expect("non-null");
    String::from_utf8(bytes).unwrap()
}

fn read(c: &JsonConverter, text: &str) -> SchemaAndValue {
    c.to_connect("t", Some(text.as_bytes())).unwrap()
}

fn s(v: &str) -> Value {
    Value::String(v.into())
}

#[test]
fn golden_primitives() {
    let on = json(true);
    let cases: [(Schema, Value, &str); 7] = [
        (
            Schema::primitive(SchemaType::String),
            s("hello"),
            r#"{"schema":{"type":"string","optional":false},"payload":"hello"}"#,
        ),
        (
            Schema::primitive(SchemaType::Int8),
            Value::Int8(-5),
            r#"{"schema":{"type":"int8","optional":false},"payload":-5}"#,
        ),
        (
            Schema::primitive(SchemaType::Int16),
            Value::Int16(300),
            r#"{"schema":{"type":"int16","optional":false},"payload":300}"#,
        ),
        (
            Schema::primitive(SchemaType::Int64),
            Value::Int64(i64::MIN),
            r#"{"schema":{"type":"int64","optional":false},"payload":-9223372036854775808}"#,
        ),
        (
            Schema::primitive(SchemaType::Boolean).optional(),
            Value::Boolean(true),
            r#"{"schema":{"type":"boolean","optional":true},"payload":true}"#,
        ),
        (
            Schema::primitive(SchemaType::Bytes),
            Value::Bytes(vec![0, 1, 2, 0xff, 0xfe]),
            r#"{"schema":{"type":"bytes","optional":false},"payload":"AAEC//4="}"#,
        ),
        (
            Schema::primitive(SchemaType::String),
            s("a\"b\\c\n\t\r\u{8}\u{c}\u{1}\u{1f}\u{7f}/é€😀"),
            "{\"schema\":{\"type\":\"string\",\"optional\":false},\"payload\":\"a\\\"b\\\\c\\n\\t\\r\\b\\f\\u0001\\u001F\u{7f}/é€\\uD83D\\uDE00\"}",
        ),
    ];
    for (schema, value, golden) in cases {
        assert_eq!(write(&on, Some(&schema), &value), golden);
        let back = read(&on, golden);
        assert_eq!(back.schema.as_deref(), Some(&schema));
        assert_eq!(back.value, value);
    }
    assert_eq!(
        write(&json(false), Some(&Schema::string()), &s("hello")),
        r#""hello""#
    );
    assert_eq!(
        write(&on, None, &s("x")),
        r#"{"schema":null,"payload":"x"}"#
    );
}

#[test]
fn golden_floats() {
    let off = json(false);
    for (v, golden) in [
        (1.0, "1.0"),
        (1e10, "1.0E10"),
        (1.5e-5, "1.5E-5"),
        (12345678.0, "1.2345678E7"),
        (5e-324, "4.9E-324"),
        (f64::NAN, r#""NaN""#),
        (f64::INFINITY, r#""Infinity""#),
        (100.25, "100.25"),
    ] {
        let schema = Schema::primitive(SchemaType::Float64);
        assert_eq!(write(&off, Some(&schema), &Value::Float64(v)), golden);
    }
    let schema = Schema::primitive(SchemaType::Float32);
    assert_eq!(
        write(&off, Some(&schema), &Value::Float32(3.4e38)),
        "3.4E38"
    );
    assert_eq!(write(&off, Some(&schema), &Value::Float32(0.1)), "0.1");
    // Reading back the strings Jackson writes for non-finite values.
    let on = json(true);
    let back = read(
        &on,
        r#"{"schema":{"type":"double","optional":false},"payload":"-Infinity"}"#,
    );
    assert_eq!(back.value, Value::Float64(f64::NEG_INFINITY));
}

#[test]
fn golden_logical_types() {
    let on = json(true);
    let dec = r#"{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}}"#;
    // 12345.67 and -0.01 at scale 2.
    let big = Value::Bytes(vec![0x12, 0xd6, 0x87]);
    let neg = Value::Bytes(vec![0xff]);
    assert_eq!(
        write(&on, Some(&decimal(2)), &big),
        format!(r#"{{"schema":{dec},"payload":"EtaH"}}"#)
    );
    assert_eq!(
        write(&on, Some(&decimal(2)), &neg),
        format!(r#"{{"schema":{dec},"payload":"/w=="}}"#)
    );
    let num = numeric();
    for (value, payload) in [(&big, "12345.67"), (&neg, "-0.01")] {
        let golden = format!(r#"{{"schema":{dec},"payload":{payload}}}"#);
        assert_eq!(write(&num, Some(&decimal(2)), value), golden);
        let back = read(&num, &golden);
        assert_eq!(back.value, *value);
        assert_eq!(back.schema.as_deref(), Some(&decimal(2)));
    }
    let one = Value::Bytes(vec![1]);
    assert!(write(&num, Some(&decimal(9)), &one).ends_with(r#""payload":1E-9}"#));
    let v = Value::Bytes(vec![123]);
    assert!(write(&num, Some(&decimal(-2)), &v).ends_with(r#""payload":1.23E+4}"#));
    // A NUMERIC payload with fewer fractional digits is rescaled; more is an error.
    let back = read(&num, &format!(r#"{{"schema":{dec},"payload":1.5}}"#));
    assert_eq!(back.value, Value::Bytes(vec![0x00, 0x96]));
    let back = read(&num, &format!(r#"{{"schema":{dec},"payload":7}}"#));
    assert_eq!(back.value, Value::Bytes(vec![0x02, 0xbc]));
    assert!(
        num.to_connect(
            "t",
            Some(format!(r#"{{"schema":{dec},"payload":1.234}}"#).as_bytes())
        )
        .is_err()
    );

    for (schema, value, golden) in [
        (
            logical(SchemaType::Int32, java::DATE, &[]),
            Value::Int32(3),
            r#"{"schema":{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Date","version":1},"payload":3}"#,
        ),
        (
            logical(SchemaType::Int32, java::TIME, &[]),
            Value::Int32(1000),
            r#"{"schema":{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Time","version":1},"payload":1000}"#,
        ),
        (
            logical(SchemaType::Int64, java::TIMESTAMP, &[]),
            Value::Int64(1_700_000_000_000),
            r#"{"schema":{"type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1},"payload":1700000000000}"#,
        ),
    ] {
        assert_eq!(write(&on, Some(&schema), &value), golden);
        let back = read(&on, golden);
        assert_eq!((back.schema.as_deref(), back.value), (Some(&schema), value));
    }
}

fn row_schema() -> SchemaRef {
    let name = Schema {
        doc: Some("the name".into()),
        default_value: Some(s("anon")),
        ..Schema::primitive(SchemaType::String).optional()
    };
    let mut price = decimal(2);
    price
        .parameters
        .insert("connect.decimal.precision".into(), "10".into());
    let fields = [
        ("id", prim(SchemaType::Int32)),
        ("name", Arc::new(name)),
        ("tags", Arc::new(Schema::array(Schema::string()))),
        (
            "attrs",
            Arc::new(Schema::map(Schema::string(), prim(SchemaType::Int32)).optional()),
        ),
        (
            "ids",
            Arc::new(Schema::map(prim(SchemaType::Int32), Schema::string())),
        ),
        ("price", Arc::new(price)),
        ("score", prim(SchemaType::Float32)),
    ];
    Arc::new(Schema {
        version: Some(3),
        doc: Some("a row".into()),
        ..Schema::structure(fields.map(|(n, s)| (n.to_string(), s))).named("com.example.Row")
    })
}

fn row(schema: &SchemaRef, name: Value) -> Value {
    Value::Struct(Struct {
        schema: schema.clone(),
        values: vec![
            Value::Int32(42),
            name,
            Value::Array(vec![s("a"), s("b")]),
            Value::Null,
            Value::Map(vec![(Value::Int32(7), s("seven"))]),
            Value::Bytes(vec![0x00, 0x96]),
            Value::Float32(2.5),
        ],
    })
}

const ROW_ON: &str = r#"{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},{"type":"string","optional":true,"doc":"the name","default":"anon","field":"name"},{"type":"array","items":{"type":"string","optional":false},"optional":false,"field":"tags"},{"type":"map","keys":{"type":"string","optional":false},"values":{"type":"int32","optional":false},"optional":true,"field":"attrs"},{"type":"map","keys":{"type":"int32","optional":false},"values":{"type":"string","optional":false},"optional":false,"field":"ids"},{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2","connect.decimal.precision":"10"},"field":"price"},{"type":"float","optional":false,"field":"score"}],"optional":false,"name":"com.example.Row","version":3,"doc":"a row"},"payload":{"id":42,"name":"anon","tags":["a","b"],"attrs":null,"ids":[[7,"seven"]],"price":"AJY=","score":2.5}}"#;
const ROW_OFF: &str = r#"{"id":42,"name":"anon","tags":["a","b"],"attrs":null,"ids":[[7,"seven"]],"price":"AJY=","score":2.5}"#;

#[test]
fn golden_struct() {
    let schema = row_schema();
    // The null `name` is written as its default, as Kafka does.
    let value = row(&schema, Value::Null);
    assert_eq!(write(&json(true), Some(&schema), &value), ROW_ON);
    assert_eq!(write(&json(false), Some(&schema), &value), ROW_OFF);
    let back = read(&json(true), ROW_ON);
    assert_eq!(back.schema.as_ref(), Some(&schema));
    assert_eq!(back.value, row(&schema, s("anon")));
    // A struct needs its own schema.
    let other = Arc::new(Schema::structure([(
        "id".to_string(),
        prim(SchemaType::Int32),
    )]));
    let err = json(true)
        .from_connect("t", Some(&other), &value)
        .unwrap_err();
    assert_eq!(err.to_string(), "Mismatching schema.");
}

#[test]
fn golden_schemaless() {
    let mixed = Value::Map(vec![(s("k"), Value::Int64(1)), (Value::Int64(2), s("v"))]);
    assert_eq!(write(&json(false), None, &mixed), r#"[["k",1],[2,"v"]]"#);
    let map = Value::Map(vec![
        (s("k"), Value::Int64(1)),
        (
            s("j"),
            Value::Array(vec![Value::Float64(1.5), Value::Null, Value::Boolean(true)]),
        ),
    ]);
    let golden = r#"{"schema":null,"payload":{"k":1,"j":[1.5,null,true]}}"#;
    assert_eq!(write(&json(true), None, &map), golden);
    assert_eq!(
        read(&json(true), golden),
        SchemaAndValue {
            schema: None,
            value: map.clone()
        }
    );
    let plain = read(&json(false), r#"{"k":1,"j":[1.5,null,true]}"#);
    assert_eq!(
        plain,
        SchemaAndValue {
            schema: None,
            value: map
        }
    );
    // Floats parse correctly rounded (serde_json's default parser is off by an ulp here).
    let tiny = Value::Float64(-2.7779422456628415e-303);
    assert_eq!(
        read(&json(false), &write(&json(false), None, &tiny)).value,
        tiny
    );
    // Plain JSON is inferred: integers are int64, other numbers float64.
    let plain = read(
        &json(false),
        r#"[1, 2.0, "x", false, {}, 18446744073709551615]"#,
    );
    assert_eq!(
        plain.value,
        Value::Array(vec![
            Value::Int64(1),
            Value::Float64(2.0),
            s("x"),
            Value::Boolean(false),
            Value::Map(vec![]),
            Value::Int64(-1),
        ])
    );
}

#[test]
fn nulls() {
    let (on, off) = (json(true), json(false));
    assert_eq!(on.from_connect("t", None, &Value::Null).unwrap(), None);
    assert_eq!(off.from_connect("t", None, &Value::Null).unwrap(), None);
    let opt = Schema::optional_string();
    assert_eq!(
        write(&on, Some(&opt), &Value::Null),
        r#"{"schema":{"type":"string","optional":true},"payload":null}"#
    );
    assert_eq!(write(&off, Some(&opt), &Value::Null), "null");
    assert_eq!(on.to_connect("t", None).unwrap(), SchemaAndValue::NULL);
    // Empty input is a missing node: null without envelope, an error with one.
    assert_eq!(
        off.to_connect("t", Some(b"")).unwrap(),
        SchemaAndValue::NULL
    );
    assert_eq!(
        off.to_connect("t", Some(b"null")).unwrap(),
        SchemaAndValue::NULL
    );
    assert_eq!(
        on.to_connect("t", Some(b"")).unwrap_err(),
        ConverterError::MissingEnvelope
    );
    let back = read(
        &on,
        r#"{"schema":{"type":"int32","optional":false,"default":7},"payload":null}"#,
    );
    assert_eq!(back.value, Value::Int32(7));
    assert_eq!(back.schema.unwrap().default_value, Some(Value::Int32(7)));
}

#[test]
fn errors_have_kafkas_messages() {
    let on = json(true);
    let err = on
        .from_connect("t", Some(&Schema::string()), &Value::Null)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Conversion error: null value for field that is required and has no default value"
    );
    let int32 = Schema::primitive(SchemaType::Int32);
    let err = on
        .from_connect("t", Some(&int32), &Value::Int64(5))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Invalid type for INT32: class java.lang.Long"
    );
    let err = on.to_connect("t", Some(br#"{"a":1}"#)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may not \
         contain additional fields. If you are trying to deserialize plain JSON data, set \
         schemas.enable=false in your converter configuration."
    );
    let three = br#"{"schema":null,"payload":1,"x":2}"#;
    assert_eq!(
        on.to_connect("t", Some(three)).unwrap_err(),
        ConverterError::MissingEnvelope
    );
    let err = on.to_connect("t", Some(b"{")).unwrap_err();
    assert!(
        err.to_string().starts_with(
            "Converting byte[] to Kafka Connect data failed due to serialization error: "
        ),
        "{err}"
    );
    let err = on
        .to_connect(
            "t",
            Some(br#"{"schema":{"type":"int32","optional":false},"payload":null}"#),
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Invalid null value for required INT32 field"
    );
    let err = on
        .to_connect("t", Some(br#"{"schema":{"type":"int99"},"payload":1}"#))
        .unwrap_err();
    assert_eq!(err.to_string(), "Unknown schema type: int99");
    let err = on
        .to_connect("t", Some(br#"{"schema":{"optional":true},"payload":1}"#))
        .unwrap_err();
    assert_eq!(err.to_string(), "Schema must contain 'type' field");
    let bad = JsonConverter::new(
        &BTreeMap::from([("decimal.format".to_string(), "HEX".to_string())]),
        false,
    );
    assert!(bad.unwrap_err().to_string().contains("decimal.format"));
}

#[test]
fn schema_cache_returns_the_same_schema() {
    let on = json(true);
    let a = read(&on, ROW_ON).schema.unwrap();
    let b = read(&on, ROW_ON).schema.unwrap();
    assert!(Arc::ptr_eq(&a, &b));
    let uncached = JsonConverter::new(
        &BTreeMap::from([("schemas.cache.size".to_string(), "0".to_string())]),
        false,
    )
    .unwrap();
    assert_eq!(read(&uncached, ROW_ON).schema, Some(a));
}

// ---- property tests -------------------------------------------------------------------

fn leaf_schema() -> impl Strategy<Value = Schema> {
    prop_oneof![
        (1u8..=9).prop_map(|c| Schema::primitive(SchemaType::from_code(c).unwrap())),
        (-3i32..8).prop_map(decimal),
        Just(logical(SchemaType::Int32, java::DATE, &[])),
        Just(logical(SchemaType::Int64, java::TIMESTAMP, &[])),
    ]
}

fn schema_strategy() -> BoxedStrategy<SchemaRef> {
    let leaf = (
        leaf_schema(),
        any::<bool>(),
        proptest::option::of("[a-z.]{1,8}"),
    )
        .prop_map(|(s, optional, doc)| Arc::new(Schema { optional, doc, ..s }));
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            (inner.clone(), any::<bool>()).prop_map(|(e, o)| {
                let a = Schema::array(e);
                Arc::new(if o { a.optional() } else { a })
            }),
            (
                prop_oneof![Just(Schema::string()), Just(prim(SchemaType::Int32))],
                inner.clone()
            )
                .prop_map(|(k, v)| Arc::new(Schema::map(k, v))),
            (
                prop::collection::vec(inner, 1..4),
                proptest::option::of("[A-Z][a-z]{0,6}")
            )
                .prop_map(|(fields, name)| {
                    let s = Schema::structure(
                        fields
                            .into_iter()
                            .enumerate()
                            .map(|(i, f)| (format!("f{i}"), f)),
                    );
                    Arc::new(Schema { name, ..s })
                }),
        ]
    })
    .boxed()
}

fn value_for(schema: &SchemaRef) -> BoxedStrategy<Value> {
    let non_null: BoxedStrategy<Value> = match schema.schema_type {
        SchemaType::Int8 => any::<i8>().prop_map(Value::Int8).boxed(),
        SchemaType::Int16 => any::<i16>().prop_map(Value::Int16).boxed(),
        SchemaType::Int32 => any::<i32>().prop_map(Value::Int32).boxed(),
        SchemaType::Int64 => any::<i64>().prop_map(Value::Int64).boxed(),
        SchemaType::Float32 => any::<f32>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::Float32)
            .boxed(),
        SchemaType::Float64 => any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::Float64)
            .boxed(),
        SchemaType::Boolean => any::<bool>().prop_map(Value::Boolean).boxed(),
        SchemaType::String => any::<String>().prop_map(Value::String).boxed(),
        SchemaType::Bytes => prop::collection::vec(any::<u8>(), 0..12)
            .prop_map(Value::Bytes)
            .boxed(),
        SchemaType::Array => {
            prop::collection::vec(value_for(schema.value_schema.as_ref().unwrap()), 0..4)
                .prop_map(Value::Array)
                .boxed()
        }
        SchemaType::Map => {
            let k = value_for(schema.key_schema.as_ref().unwrap());
            let v = value_for(schema.value_schema.as_ref().unwrap());
            prop::collection::vec((k, v), 0..4)
                .prop_map(Value::Map)
                .boxed()
        }
        SchemaType::Struct => {
            let s = schema.clone();
            schema
                .fields
                .iter()
                .map(|f| value_for(&f.schema))
                .collect::<Vec<_>>()
                .prop_map(move |values| {
                    Value::Struct(Struct {
                        schema: s.clone(),
                        values,
                    })
                })
                .boxed()
        }
    };
    if schema.optional {
        prop_oneof![1 => Just(Value::Null), 4 => non_null].boxed()
    } else {
        non_null
    }
}

fn with_value() -> impl Strategy<Value = (SchemaRef, Value)> {
    schema_strategy().prop_flat_map(|s| {
        let v = value_for(&s);
        (Just(s), v)
    })
}

fn json_like() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Boolean),
        any::<i64>().prop_map(Value::Int64),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::Float64),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((any::<String>().prop_map(Value::String), inner), 0..4)
                .prop_map(Value::Map),
        ]
    })
}

proptest! {
    #[test]
    fn round_trips_with_schemas((schema, value) in with_value()) {
        let c = json(true);
        let bytes = c.from_connect("t", Some(&schema), &value).unwrap();
        let back = c.to_connect("t", bytes.as_deref()).unwrap();
        prop_assert_eq!(back.schema, Some(schema));
        prop_assert_eq!(back.value, value);
    }

    #[test]
    fn payload_round_trips_without_envelope((schema, value) in with_value()) {
        // Schemas off: the payload is the same JSON; read it back under the schema.
        let bytes = json(false).from_connect("t", Some(&schema), &value).unwrap().unwrap();
        let on = json(true).from_connect("t", Some(&schema), &value).unwrap().unwrap();
        let on = String::from_utf8(on).unwrap();
        // The schema never contains `,"payload":` (no field or key is named so).
        let payload = on.split_once(",\"payload\":").unwrap().1.strip_suffix('}').unwrap();
        prop_assert_eq!(String::from_utf8(bytes).unwrap(), payload);
    }

    #[test]
    fn schemaless_round_trips(value in json_like()) {
        for schemas in [false, true] {
            let c = json(schemas);
            let bytes = c.from_connect("t", None, &value).unwrap();
            let back = c.to_connect("t", bytes.as_deref()).unwrap();
            prop_assert_eq!(back.schema, None);
            prop_assert_eq!(&back.value, &value);
        }
    }

    #[test]
    fn numeric_decimals_round_trip(unscaled in -999_999_999_999_999i64..=999_999_999_999_999, scale in -4i32..10) {
        let c = numeric();
        let schema = decimal(scale);
        let value = Value::Bytes(java::unscaled_bytes(unscaled < 0, &unscaled.unsigned_abs().to_string()));
        let bytes = c.from_connect("t", Some(&schema), &value).unwrap();
        let back = c.to_connect("t", bytes.as_deref()).unwrap();
        prop_assert_eq!(back.value, value);
    }
}

#[test]
fn repeated_schema_text_takes_the_fast_path_with_the_same_results() {
    let c = json(true);
    let schema = r#"{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},{"type":"string","optional":true,"field":"name"}],"optional":false,"name":"row"}"#;
    let envelope = |payload: &str| format!(r#"{{"schema":{schema},"payload":{payload}}}"#);
    let first = read(&c, &envelope(r#"{"id":1,"name":"a"}"#));
    // The second record with the same schema text is read from its payload alone.
    let second = read(&c, &envelope(r#"{"id":2,"name":null}"#));
    let fresh = read(&json(true), &envelope(r#"{"id":2,"name":null}"#));
    assert_eq!(second.schema, first.schema);
    assert_eq!(second.value, fresh.value);
    assert_eq!(second.schema, fresh.schema);
    // Errors and envelopes the fast path does not take give what the full parse gives.
    for text in [
        envelope(r#"{"id":"x"}"#),
        envelope(r#"{"id":1"#),
        format!(r#"{{"schema":{schema},"payload":{{"id":3}},"extra":1}}"#),
        format!(r#"{{"schema":{schema},"payload":{{"id":3}}}} trailing"#),
    ] {
        let a = c.to_connect("t", Some(text.as_bytes()));
        let b = json(true).to_connect("t", Some(text.as_bytes()));
        assert_eq!(format!("{a:?}"), format!("{b:?}"), "{text}");
    }
}
