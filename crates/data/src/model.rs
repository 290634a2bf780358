//! Connect's data model: `Schema`, `Value`, `Struct`, `SourceRecord`, `SinkRecord`.

use std::collections::BTreeMap;
use std::sync::Arc;

/// A shared schema; records of one batch that have the same schema share one allocation.
pub type SchemaRef = Arc<Schema>;

/// The type of a schema (Connect's `Schema.Type`). The discriminants are the wire codes of
/// RECORD-FORMAT.md, which are also the value tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum SchemaType {
    /// 8-bit signed integer.
    Int8 = 1,
    /// 16-bit signed integer.
    Int16 = 2,
    /// 32-bit signed integer.
    Int32 = 3,
    /// 64-bit signed integer.
    Int64 = 4,
    /// 32-bit IEEE 754 float.
    Float32 = 5,
    /// 64-bit IEEE 754 float.
    Float64 = 6,
    /// Boolean.
    Boolean = 7,
    /// UTF-8 string.
    String = 8,
    /// Byte array.
    Bytes = 9,
    /// Ordered list of values of the element schema.
    Array = 10,
    /// Map from key schema to value schema.
    Map = 11,
    /// Named fields, each with its own schema.
    Struct = 12,
}

impl SchemaType {
    /// Connect's name of the type, as in JSON schemas (`"int32"`, `"struct"`, …).
    pub fn name(self) -> &'static str {
        match self {
            Self::Int8 => "int8",
            Self::Int16 => "int16",
            Self::Int32 => "int32",
            Self::Int64 => "int64",
            Self::Float32 => "float",
            Self::Float64 => "double",
            Self::Boolean => "boolean",
            Self::String => "string",
            Self::Bytes => "bytes",
            Self::Array => "array",
            Self::Map => "map",
            Self::Struct => "struct",
        }
    }

    /// The type with wire code `code`, if any.
    pub fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            1 => Self::Int8,
            2 => Self::Int16,
            3 => Self::Int32,
            4 => Self::Int64,
            5 => Self::Float32,
            6 => Self::Float64,
            7 => Self::Boolean,
            8 => Self::String,
            9 => Self::Bytes,
            10 => Self::Array,
            11 => Self::Map,
            12 => Self::Struct,
            _ => return None,
        })
    }

    /// Whether the type is a primitive (not array, map or struct).
    pub fn is_primitive(self) -> bool {
        !matches!(self, Self::Array | Self::Map | Self::Struct)
    }
}

/// A field of a struct schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Field name.
    pub name: String,
    /// Position in the struct, from 0.
    pub index: usize,
    /// Schema of the field's value.
    pub schema: SchemaRef,
}

/// A Connect schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    /// The type.
    pub schema_type: SchemaType,
    /// Whether `null` is allowed.
    pub optional: bool,
    /// Default value, used when a value is absent.
    pub default_value: Option<Value>,
    /// Name, e.g. `org.apache.kafka.connect.data.Decimal` for a logical type.
    pub name: Option<String>,
    /// Version.
    pub version: Option<i32>,
    /// Documentation.
    pub doc: Option<String>,
    /// Parameters, e.g. `scale` for `Decimal`.
    pub parameters: BTreeMap<String, String>,
    /// Fields, for a struct schema; empty otherwise.
    pub fields: Vec<Field>,
    /// Key schema, for a map schema.
    pub key_schema: Option<SchemaRef>,
    /// Element schema for an array, value schema for a map.
    pub value_schema: Option<SchemaRef>,
}

impl Schema {
    /// A required schema of a primitive type, with nothing else set.
    pub fn primitive(schema_type: SchemaType) -> Self {
        Self {
            schema_type,
            optional: false,
            default_value: None,
            name: None,
            version: None,
            doc: None,
            parameters: BTreeMap::new(),
            fields: Vec::new(),
            key_schema: None,
            value_schema: None,
        }
    }

    /// An array schema.
    pub fn array(element: SchemaRef) -> Self {
        Self {
            value_schema: Some(element),
            ..Self::primitive(SchemaType::Array)
        }
    }

    /// A map schema.
    pub fn map(key: SchemaRef, value: SchemaRef) -> Self {
        Self {
            key_schema: Some(key),
            value_schema: Some(value),
            ..Self::primitive(SchemaType::Map)
        }
    }

    /// A struct schema with these fields, in order.
    pub fn structure(fields: impl IntoIterator<Item = (String, SchemaRef)>) -> Self {
        let fields = fields
            .into_iter()
            .enumerate()
            .map(|(index, (name, schema))| Field {
                name,
                index,
                schema,
            })
            .collect();
        Self {
            fields,
            ..Self::primitive(SchemaType::Struct)
        }
    }

    /// This schema, made optional.
    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }

    /// This schema, named.
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// The field called `name`, for a struct schema.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Connect's `Schema.STRING_SCHEMA`, shared.
    pub fn string() -> SchemaRef {
        static S: std::sync::LazyLock<SchemaRef> =
            std::sync::LazyLock::new(|| Arc::new(Schema::primitive(SchemaType::String)));
        S.clone()
    }

    /// Connect's `Schema.OPTIONAL_STRING_SCHEMA`, shared.
    pub fn optional_string() -> SchemaRef {
        static S: std::sync::LazyLock<SchemaRef> =
            std::sync::LazyLock::new(|| Arc::new(Schema::primitive(SchemaType::String).optional()));
        S.clone()
    }

    /// Connect's `Schema.BYTES_SCHEMA`, shared.
    pub fn bytes() -> SchemaRef {
        static S: std::sync::LazyLock<SchemaRef> =
            std::sync::LazyLock::new(|| Arc::new(Schema::primitive(SchemaType::Bytes)));
        S.clone()
    }

    /// Connect's `Schema.OPTIONAL_BYTES_SCHEMA`, shared.
    pub fn optional_bytes() -> SchemaRef {
        static S: std::sync::LazyLock<SchemaRef> =
            std::sync::LazyLock::new(|| Arc::new(Schema::primitive(SchemaType::Bytes).optional()));
        S.clone()
    }
}

/// A Connect value. Absent (null) keys and values are `Value::Null`.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// null.
    Null,
    /// int8.
    Int8(i8),
    /// int16.
    Int16(i16),
    /// int32 (also `Date`, `Time`).
    Int32(i32),
    /// int64 (also `Timestamp`).
    Int64(i64),
    /// float32.
    Float32(f32),
    /// float64.
    Float64(f64),
    /// boolean.
    Boolean(bool),
    /// string.
    String(String),
    /// bytes (also `Decimal`, the unscaled two's-complement big-endian integer).
    Bytes(Vec<u8>),
    /// array.
    Array(Vec<Value>),
    /// map, in insertion order.
    Map(Vec<(Value, Value)>),
    /// struct: values in the field order of its schema.
    Struct(Struct),
}

impl Value {
    /// The wire tag of this value (RECORD-FORMAT.md); 0 for null.
    pub fn tag(&self) -> u8 {
        match self {
            Value::Null => 0,
            Value::Int8(_) => 1,
            Value::Int16(_) => 2,
            Value::Int32(_) => 3,
            Value::Int64(_) => 4,
            Value::Float32(_) => 5,
            Value::Float64(_) => 6,
            Value::Boolean(_) => 7,
            Value::String(_) => 8,
            Value::Bytes(_) => 9,
            Value::Array(_) => 10,
            Value::Map(_) => 11,
            Value::Struct(_) => 12,
        }
    }

    /// Whether this is `Value::Null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

/// A struct value: its schema and one value per field, in field order.
#[derive(Debug, Clone, PartialEq)]
pub struct Struct {
    /// The struct schema.
    pub schema: SchemaRef,
    /// Field values, `values[i]` for `schema.fields[i]`.
    pub values: Vec<Value>,
}

impl Struct {
    /// A struct with every field null.
    pub fn new(schema: SchemaRef) -> Self {
        let values = vec![Value::Null; schema.fields.len()];
        Self { schema, values }
    }

    /// The value of field `name`, if the schema has it.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.schema.field(name).map(|f| &self.values[f.index])
    }

    /// Sets field `name`; returns false if the schema has no such field.
    pub fn put(&mut self, name: &str, value: Value) -> bool {
        match self.schema.field(name).map(|f| f.index) {
            Some(i) => {
                self.values[i] = value;
                true
            }
            None => false,
        }
    }
}

/// A primitive inside a source partition or source offset.
#[derive(Debug, Clone, PartialEq)]
pub enum OffsetValue {
    /// null.
    Null,
    /// boolean.
    Boolean(bool),
    /// Any integer (Connect's int and long both land here, as after a JSON round trip).
    Int64(i64),
    /// Any float.
    Float64(f64),
    /// string.
    String(String),
    /// bytes.
    Bytes(Vec<u8>),
}

/// A source partition or source offset (`Map<String, ?>` in Connect). Ordered, so equal
/// maps serialize identically and can key offset storage.
pub type OffsetMap = BTreeMap<String, OffsetValue>;

/// A record header.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// Header key.
    pub key: String,
    /// Header schema, if any.
    pub schema: Option<SchemaRef>,
    /// Header value.
    pub value: Value,
}

/// A record produced by a source task (`SourceRecord`).
#[derive(Debug, Clone, PartialEq)]
pub struct SourceRecord {
    /// Where in the source the record comes from, e.g. `{"filename": "/tmp/in.txt"}`.
    pub source_partition: OffsetMap,
    /// Position in that source partition, e.g. `{"position": 120}`.
    pub source_offset: OffsetMap,
    /// Destination topic.
    pub topic: String,
    /// Destination partition; `None` lets the worker's partitioner choose.
    pub kafka_partition: Option<i32>,
    /// Key schema.
    pub key_schema: Option<SchemaRef>,
    /// Key; `Value::Null` for none.
    pub key: Value,
    /// Value schema.
    pub value_schema: Option<SchemaRef>,
    /// Value.
    pub value: Value,
    /// Timestamp in milliseconds since the epoch.
    pub timestamp: Option<i64>,
    /// Headers.
    pub headers: Vec<Header>,
}

/// How a sink record's timestamp was set (`TimestampType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum TimestampType {
    /// No timestamp.
    NoTimestampType = 0,
    /// Set by the producer.
    CreateTime = 1,
    /// Set by the broker.
    LogAppendTime = 2,
}

/// A record delivered to a sink task (`SinkRecord`).
#[derive(Debug, Clone, PartialEq)]
pub struct SinkRecord {
    /// Topic it was read from.
    pub topic: String,
    /// Partition it was read from.
    pub kafka_partition: i32,
    /// Its offset in that partition.
    pub kafka_offset: i64,
    /// Key schema.
    pub key_schema: Option<SchemaRef>,
    /// Key; `Value::Null` for none.
    pub key: Value,
    /// Value schema.
    pub value_schema: Option<SchemaRef>,
    /// Value.
    pub value: Value,
    /// Timestamp in milliseconds since the epoch.
    pub timestamp: Option<i64>,
    /// What the timestamp means.
    pub timestamp_type: TimestampType,
    /// Headers.
    pub headers: Vec<Header>,
}
