//! The hot paths of the codec: a writer that encodes source records one at a time from
//! borrowed parts, and readers that borrow topics, raw offset maps and byte or string values
//! from the batch instead of allocating them per record.
//!
//! They read and write exactly the format of [`encode_source`](super::encode_source) and
//! [`decode_sink`](super::decode_sink), and check the same things.

use super::{
    DecodeError, MAGIC, Reader, put_headers_refs, put_offset_map, put_offset_value, schema_index,
};
use super::{put_opt_i64, put_str, put_u32, put_value};
use crate::{
    Header, OffsetMap, OffsetValue, SchemaRef, SchemaType, SinkRecord, SourceRecord, TimestampType,
    Value,
};

// ---------------------------------------------------------------------------------------------
// Writing source records
// ---------------------------------------------------------------------------------------------

/// A source record given by reference, for [`SourceBatchWriter::push_ref`]: a task can keep
/// its partition map, its offset map and a scratch value and only update them per record.
#[derive(Debug, Clone, Copy)]
pub struct SourceRecordRef<'a> {
    /// Destination topic.
    pub topic: &'a str,
    /// Destination partition, if the task picks one.
    pub kafka_partition: Option<i32>,
    /// Source partition.
    pub source_partition: OffsetMapRef<'a>,
    /// Source offset.
    pub source_offset: OffsetMapRef<'a>,
    /// Key schema.
    pub key_schema: Option<&'a SchemaRef>,
    /// Key.
    pub key: &'a Value,
    /// Value schema.
    pub value_schema: Option<&'a SchemaRef>,
    /// Value.
    pub value: &'a Value,
    /// Timestamp in milliseconds since the epoch.
    pub timestamp: Option<i64>,
    /// Headers.
    pub headers: &'a [Header],
}

impl<'a> From<&'a SourceRecord> for SourceRecordRef<'a> {
    fn from(r: &'a SourceRecord) -> Self {
        Self {
            topic: &r.topic,
            kafka_partition: r.kafka_partition,
            source_partition: OffsetMapRef::Map(&r.source_partition),
            source_offset: OffsetMapRef::Map(&r.source_offset),
            key_schema: r.key_schema.as_ref(),
            key: &r.key,
            value_schema: r.value_schema.as_ref(),
            value: &r.value,
            timestamp: r.timestamp,
            headers: &r.headers,
        }
    }
}

/// A source partition or offset for [`SourceRecordRef`]: a map, a map encoded once
/// ([`EncodedOffsetMap`], for a partition that every record repeats), or a map of one entry
/// (the usual offset: a position, a sequence number), which needs no map at all.
#[derive(Debug, Clone, Copy)]
pub enum OffsetMapRef<'a> {
    /// A map.
    Map(&'a OffsetMap),
    /// A map encoded beforehand.
    Encoded(&'a EncodedOffsetMap),
    /// A map of one entry.
    Single(&'a str, &'a OffsetValue),
}

impl<'a> From<&'a OffsetMap> for OffsetMapRef<'a> {
    fn from(map: &'a OffsetMap) -> Self {
        Self::Map(map)
    }
}

impl<'a> From<&'a EncodedOffsetMap> for OffsetMapRef<'a> {
    fn from(map: &'a EncodedOffsetMap) -> Self {
        Self::Encoded(map)
    }
}

impl OffsetMapRef<'_> {
    fn put(self, out: &mut Vec<u8>) {
        match self {
            Self::Map(map) => put_offset_map(out, map),
            Self::Encoded(e) => out.extend_from_slice(&e.0),
            Self::Single(key, value) => {
                put_u32(out, 1);
                put_str(out, key);
                put_offset_value(out, value);
            }
        }
    }
}

/// An offset map in its batch encoding, made once and copied into every record that uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedOffsetMap(Vec<u8>);

impl EncodedOffsetMap {
    /// Encodes `map`.
    pub fn new(map: &OffsetMap) -> Self {
        let mut out = Vec::new();
        put_offset_map(&mut out, map);
        Self(out)
    }
}

/// Builds a batch of source records one record at a time, without keeping the records:
/// each is encoded as it is pushed, straight into the batch's buffer. Distinct schemas go to
/// the batch's schema table once.
#[derive(Debug)]
pub struct SourceBatchWriter {
    schemas: Vec<SchemaRef>,
    /// The batch so far: the header with a schema count of 0 and the record count to be
    /// set, then the records. [`finish`](Self::finish) sets the count and inserts the schema
    /// table, if any, after the magic.
    buf: Vec<u8>,
    count: u32,
}

/// Bytes of the header: magic, schema count, record count.
const HEADER: usize = 12;

impl Default for SourceBatchWriter {
    fn default() -> Self {
        Self::with_capacity(0)
    }
}

impl SourceBatchWriter {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty batch with room for `bytes` bytes of records (for example the size of the
    /// previous batch), so the buffer is not grown and copied while records are pushed.
    pub fn with_capacity(bytes: usize) -> Self {
        let mut buf = Vec::with_capacity(HEADER + bytes);
        buf.extend_from_slice(MAGIC);
        buf.extend_from_slice(&[0; 8]);
        Self {
            schemas: Vec::new(),
            buf,
            count: 0,
        }
    }

    /// Records pushed so far.
    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// Whether no record was pushed.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Appends a record.
    pub fn push(&mut self, record: &SourceRecord) {
        self.push_ref(SourceRecordRef::from(record));
    }

    /// Appends a record given by reference.
    pub fn push_ref(&mut self, r: SourceRecordRef<'_>) {
        let out = &mut self.buf;
        put_str(out, r.topic);
        match r.kafka_partition {
            None => out.push(0),
            Some(p) => {
                out.push(1);
                out.extend_from_slice(&p.to_le_bytes());
            }
        }
        r.source_partition.put(out);
        r.source_offset.put(out);
        let key_ref = schema_index(&mut self.schemas, r.key_schema);
        put_u32(&mut self.buf, key_ref);
        put_value(&mut self.buf, r.key);
        let value_ref = schema_index(&mut self.schemas, r.value_schema);
        put_u32(&mut self.buf, value_ref);
        put_value(&mut self.buf, r.value);
        put_opt_i64(&mut self.buf, r.timestamp);
        let schemas = &mut self.schemas;
        put_headers_refs(&mut self.buf, r.headers, |s| schema_index(schemas, s));
        self.count += 1;
    }

    /// The encoded batch.
    pub fn finish(self) -> Vec<u8> {
        let mut buf = self.buf;
        buf[8..HEADER].copy_from_slice(&self.count.to_le_bytes());
        if !self.schemas.is_empty() {
            buf[4..8].copy_from_slice(&(self.schemas.len() as u32).to_le_bytes());
            let mut table = Vec::new();
            for s in &self.schemas {
                super::put_schema(&mut table, s);
            }
            buf.splice(8..8, table);
        }
        buf
    }
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/// A source partition or offset as encoded in a batch, already checked. Two are equal when
/// their bytes are (maps with the same entries written in another order are not); decode with
/// [`to_map`](Self::to_map) to compare maps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RawOffsetMap<'a>(&'a [u8]);

impl RawOffsetMap<'_> {
    /// Whether the map has no entries.
    pub fn is_empty(&self) -> bool {
        self.0 == [0, 0, 0, 0]
    }

    /// The encoded bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.0
    }

    /// The decoded map.
    pub fn to_map(&self) -> OffsetMap {
        // Checked when the batch was read, so this cannot fail.
        Reader::new(self.0).offset_map().unwrap_or_default()
    }
}

/// A value of a record read by reference: a byte or string value borrows the batch, any other
/// value is decoded.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueRef<'a> {
    /// A bytes value.
    Bytes(&'a [u8]),
    /// A string value.
    String(&'a str),
    /// Any other value (null, numbers, booleans, arrays, maps, structs).
    Other(Value),
}

impl ValueRef<'_> {
    /// Whether it is null.
    pub fn is_null(&self) -> bool {
        matches!(self, Self::Other(Value::Null))
    }

    /// The bytes of a bytes value, or the UTF-8 of a string value.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Self::Bytes(b) => Some(b),
            Self::String(s) => Some(s.as_bytes()),
            Self::Other(_) => None,
        }
    }

    /// An owned value.
    pub fn to_value(&self) -> Value {
        match self {
            Self::Bytes(b) => Value::Bytes(b.to_vec()),
            Self::String(s) => Value::String((*s).to_owned()),
            Self::Other(v) => v.clone(),
        }
    }

    /// An owned value, moving a decoded one.
    pub fn into_value(self) -> Value {
        match self {
            Self::Other(v) => v,
            other => other.to_value(),
        }
    }
}

/// A source record read by reference from a batch ([`decode_source_views`]).
#[derive(Debug, Clone, PartialEq)]
pub struct SourceRecordView<'a> {
    /// Destination topic.
    pub topic: &'a str,
    /// Destination partition, if the task picked one.
    pub kafka_partition: Option<i32>,
    /// Source partition, as encoded.
    pub source_partition: RawOffsetMap<'a>,
    /// Source offset, as encoded.
    pub source_offset: RawOffsetMap<'a>,
    /// Key schema.
    pub key_schema: Option<SchemaRef>,
    /// Key.
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

impl SourceRecordView<'_> {
    /// The owned record.
    pub fn to_record(&self) -> SourceRecord {
        self.clone().into_record()
    }

    /// The owned record, moving the values.
    pub fn into_record(self) -> SourceRecord {
        SourceRecord {
            source_partition: self.source_partition.to_map(),
            source_offset: self.source_offset.to_map(),
            topic: self.topic.to_owned(),
            kafka_partition: self.kafka_partition,
            key_schema: self.key_schema,
            key: self.key,
            value_schema: self.value_schema,
            value: self.value,
            timestamp: self.timestamp,
            headers: self.headers,
        }
    }
}

/// A sink record read by reference from a batch ([`decode_sink_views`]).
#[derive(Debug, Clone, PartialEq)]
pub struct SinkRecordView<'a> {
    /// Topic it was read from.
    pub topic: &'a str,
    /// Partition it was read from.
    pub kafka_partition: i32,
    /// Its offset.
    pub kafka_offset: i64,
    /// Key schema.
    pub key_schema: Option<SchemaRef>,
    /// Key.
    pub key: ValueRef<'a>,
    /// Value schema.
    pub value_schema: Option<SchemaRef>,
    /// Value.
    pub value: ValueRef<'a>,
    /// Timestamp in milliseconds since the epoch.
    pub timestamp: Option<i64>,
    /// What the timestamp means.
    pub timestamp_type: TimestampType,
    /// Headers.
    pub headers: Vec<Header>,
}

impl SinkRecordView<'_> {
    /// The owned record.
    pub fn to_record(&self) -> SinkRecord {
        self.clone().into_record()
    }

    /// The owned record, moving the values read by value.
    pub fn into_record(self) -> SinkRecord {
        SinkRecord {
            topic: self.topic.to_owned(),
            kafka_partition: self.kafka_partition,
            kafka_offset: self.kafka_offset,
            key_schema: self.key_schema,
            key: self.key.into_value(),
            value_schema: self.value_schema,
            value: self.value.into_value(),
            timestamp: self.timestamp,
            timestamp_type: self.timestamp_type,
            headers: self.headers,
        }
    }
}

impl<'a> Reader<'a> {
    fn raw_offset_map(&mut self) -> Result<RawOffsetMap<'a>, DecodeError> {
        let start = self.pos;
        self.offset_map_checked()?;
        Ok(RawOffsetMap(&self.buf[start..self.pos]))
    }

    /// A value, borrowing bytes and strings: the checks of [`Reader::value`].
    fn value_ref(&mut self, schema: Option<&SchemaRef>) -> Result<ValueRef<'a>, DecodeError> {
        let at = self.pos;
        let tag = self.buf.get(at).copied();
        let ty = match tag {
            Some(0) if schema.is_none_or(|s| s.optional || s.default_value.is_some()) => {
                self.pos += 1;
                return Ok(ValueRef::Other(Value::Null));
            }
            Some(8) => SchemaType::String,
            Some(9) => SchemaType::Bytes,
            _ => return self.value(schema, 0).map(ValueRef::Other),
        };
        self.check_type(at, schema, ty)?;
        self.pos += 1;
        Ok(match ty {
            SchemaType::String => ValueRef::String(self.str()?),
            _ => ValueRef::Bytes(self.bytes()?),
        })
    }
}

/// Reads a batch of source records, borrowing topics and offset maps from it.
pub fn decode_source_views(bytes: &[u8]) -> Result<Vec<SourceRecordView<'_>>, DecodeError> {
    let mut r = Reader::new(bytes);
    let (table, count) = r.begin()?;
    let mut records = Vec::with_capacity(r.cap(count));
    for _ in 0..count {
        let topic = r.str()?;
        let kafka_partition = if r.flag()? { Some(r.i32()?) } else { None };
        let source_partition = r.raw_offset_map()?;
        let source_offset = r.raw_offset_map()?;
        let key_schema = r.schema_ref(&table)?;
        let key = r.value(key_schema.as_ref(), 0)?;
        let value_schema = r.schema_ref(&table)?;
        let value = r.value(value_schema.as_ref(), 0)?;
        let timestamp = if r.flag()? { Some(r.i64()?) } else { None };
        let headers = r.headers(&table)?;
        records.push(SourceRecordView {
            topic,
            kafka_partition,
            source_partition,
            source_offset,
            key_schema,
            key,
            value_schema,
            value,
            timestamp,
            headers,
        });
    }
    r.end()?;
    Ok(records)
}

/// Reads a batch of sink records, borrowing topics, byte and string values from it.
pub fn decode_sink_views(bytes: &[u8]) -> Result<Vec<SinkRecordView<'_>>, DecodeError> {
    let mut r = Reader::new(bytes);
    let (table, count) = r.begin()?;
    let mut records = Vec::with_capacity(r.cap(count));
    for _ in 0..count {
        let topic = r.str()?;
        let kafka_partition = r.i32()?;
        let kafka_offset = r.i64()?;
        let key_schema = r.schema_ref(&table)?;
        let key = r.value_ref(key_schema.as_ref())?;
        let value_schema = r.schema_ref(&table)?;
        let value = r.value_ref(value_schema.as_ref())?;
        let timestamp = if r.flag()? { Some(r.i64()?) } else { None };
        let timestamp_type = r.timestamp_type()?;
        let headers = r.headers(&table)?;
        records.push(SinkRecordView {
            topic,
            kafka_partition,
            kafka_offset,
            key_schema,
            key,
            value_schema,
            value,
            timestamp,
            timestamp_type,
            headers,
        });
    }
    r.end()?;
    Ok(records)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::super::{decode_sink, decode_source, encode_sink, encode_source};
    use super::*;
    use crate::{OffsetValue, Schema, Struct};

    fn sources() -> Vec<SourceRecord> {
        let value_schema: SchemaRef = Arc::new(
            Schema::structure([
                (
                    "seq".to_owned(),
                    Arc::new(Schema::primitive(SchemaType::Int64)),
                ),
                ("payload".to_owned(), Schema::string()),
            ])
            .named("v"),
        );
        let partition = OffsetMap::from([("file".to_owned(), OffsetValue::String("a".into()))]);
        (0..5)
            .map(|i| SourceRecord {
                source_partition: partition.clone(),
                source_offset: OffsetMap::from([("pos".to_owned(), OffsetValue::Int64(i))]),
                topic: if i == 3 { "other".into() } else { "t".into() },
                kafka_partition: (i == 2).then_some(1),
                key_schema: (i % 2 == 0).then(Schema::bytes),
                key: if i % 2 == 0 {
                    Value::Bytes(vec![i as u8])
                } else {
                    Value::Null
                },
                value_schema: (i != 4).then(|| value_schema.clone()),
                value: if i == 4 {
                    Value::String("schemaless".into())
                } else {
                    Value::Struct(Struct {
                        schema: value_schema.clone(),
                        values: vec![Value::Int64(i), Value::String(format!("p{i}"))],
                    })
                },
                timestamp: (i == 1).then_some(7),
                headers: if i == 0 {
                    vec![Header {
                        key: "h".into(),
                        schema: Some(Schema::string()),
                        value: Value::String("x".into()),
                    }]
                } else {
                    Vec::new()
                },
            })
            .collect()
    }

    #[test]
    fn writer_writes_what_encode_source_writes() {
        let records = sources();
        let mut w = SourceBatchWriter::new();
        for r in &records {
            w.push(r);
        }
        assert_eq!(w.len(), records.len());
        assert_eq!(w.finish(), encode_source(&records));
        assert_eq!(SourceBatchWriter::new().finish(), encode_source(&[]));
    }

    #[test]
    fn offset_maps_by_reference_encode_as_maps() {
        let records = sources();
        let mut w = SourceBatchWriter::new();
        for r in &records {
            let partition = EncodedOffsetMap::new(&r.source_partition);
            let (key, value) = r.source_offset.iter().next().unwrap();
            w.push_ref(SourceRecordRef {
                source_partition: (&partition).into(),
                source_offset: OffsetMapRef::Single(key, value),
                ..SourceRecordRef::from(r)
            });
        }
        assert_eq!(w.finish(), encode_source(&records));
    }

    #[test]
    fn source_views_read_what_decode_source_reads() {
        let records = sources();
        let bytes = encode_source(&records);
        let views = decode_source_views(&bytes).unwrap();
        let owned: Vec<_> = views.iter().map(SourceRecordView::to_record).collect();
        assert_eq!(owned, decode_source(&bytes).unwrap());
        assert_eq!(views[0].source_partition, views[1].source_partition);
        assert_ne!(views[0].source_offset, views[1].source_offset);
        assert!(!views[0].source_partition.is_empty());
        // Damage is found as by decode_source.
        for cut in [5, bytes.len() / 2, bytes.len() - 1] {
            assert_eq!(
                decode_source_views(&bytes[..cut]).unwrap_err(),
                decode_source(&bytes[..cut]).unwrap_err()
            );
        }
    }

    #[test]
    fn sink_views_borrow_bytes_and_strings() {
        let sinks: Vec<SinkRecord> = decode_source(&encode_source(&sources()))
            .unwrap()
            .into_iter()
            .enumerate()
            .map(|(i, r)| SinkRecord {
                topic: r.topic,
                kafka_partition: 0,
                kafka_offset: i as i64,
                key_schema: r.key_schema,
                key: r.key,
                value_schema: r.value_schema,
                value: r.value,
                timestamp: r.timestamp,
                timestamp_type: TimestampType::CreateTime,
                headers: r.headers,
            })
            .collect();
        let bytes = encode_sink(&sinks);
        let views = decode_sink_views(&bytes).unwrap();
        assert_eq!(views[0].key, ValueRef::Bytes(&[0]));
        assert_eq!(views[4].value, ValueRef::String("schemaless"));
        assert!(views[1].key.is_null());
        let owned: Vec<_> = views.iter().map(SinkRecordView::to_record).collect();
        assert_eq!(owned, decode_sink(&bytes).unwrap());
        for cut in [5, bytes.len() / 2, bytes.len() - 1] {
            assert_eq!(
                decode_sink_views(&bytes[..cut]).unwrap_err(),
                decode_sink(&bytes[..cut]).unwrap_err()
            );
        }
    }

    #[test]
    fn a_bytes_value_under_a_string_schema_is_rejected() {
        let record = SinkRecord {
            topic: "t".into(),
            kafka_partition: 0,
            kafka_offset: 0,
            key_schema: None,
            key: Value::Null,
            value_schema: Some(Schema::string()),
            value: Value::Bytes(b"x".to_vec()),
            timestamp: None,
            timestamp_type: TimestampType::NoTimestampType,
            headers: Vec::new(),
        };
        let bytes = encode_sink(&[record]);
        assert_eq!(
            decode_sink_views(&bytes).unwrap_err(),
            decode_sink(&bytes).unwrap_err()
        );
    }
}
