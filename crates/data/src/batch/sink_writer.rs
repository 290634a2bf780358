//! [`SinkWriter`]: a sink batch written record by record from borrowed parts.
//!
//! [`super::encode_sink`] needs whole [`SinkRecord`](crate::SinkRecord)s, so a caller that
//! holds records in another shape (the worker's fetched Kafka records and converter output)
//! would build one per record, cloning its topic and headers, only to encode and drop it.
//! `SinkWriter` takes the parts by reference instead and appends each record to a reused
//! buffer as it comes; [`SinkWriter::finish_into`] then writes the batch. The bytes are exactly
//! what `encode_sink` writes for the same records (same schema table, same order).

use crate::{SchemaRef, SchemaType, TimestampType, Value};

use super::{MAGIC, put_bytes, put_opt_i64, put_schema, put_str, put_u32, put_value, schema_index};

/// A key, value or header value to write: a [`Value`], or bytes or text written as the
/// `bytes` / `string` value they would be, without building that `Value`. (Reading a batch
/// gives [`super::ValueRef`]s, which own what they do not borrow.)
#[derive(Debug, Clone, Copy)]
pub enum WriteValue<'a> {
    /// Any value.
    Value(&'a Value),
    /// `Value::Bytes` of these bytes.
    Bytes(&'a [u8]),
    /// `Value::String` of this text.
    Str(&'a str),
    /// `Value::Null`.
    Null,
}

/// One header of a record for [`SinkWriter::push`].
#[derive(Debug, Clone, Copy)]
pub struct HeaderRef<'a> {
    /// Header key.
    pub key: &'a str,
    /// Header schema, if any.
    pub schema: Option<&'a SchemaRef>,
    /// Header value.
    pub value: WriteValue<'a>,
}

/// One sink record by reference, the fields of [`SinkRecord`](crate::SinkRecord) but the
/// headers.
#[derive(Debug, Clone, Copy)]
pub struct SinkRecordRef<'a> {
    /// Topic it was read from.
    pub topic: &'a str,
    /// Partition it was read from.
    pub kafka_partition: i32,
    /// Its offset in that partition.
    pub kafka_offset: i64,
    /// Key schema.
    pub key_schema: Option<&'a SchemaRef>,
    /// Key.
    pub key: WriteValue<'a>,
    /// Value schema.
    pub value_schema: Option<&'a SchemaRef>,
    /// Value.
    pub value: WriteValue<'a>,
    /// Timestamp, ms since the epoch.
    pub timestamp: Option<i64>,
    /// What the timestamp is.
    pub timestamp_type: TimestampType,
}

/// Builds a sink batch one record at a time; reusable with [`SinkWriter::clear`].
///
/// The records go into the batch buffer right after room left for the header and schema
/// table, as long as the previous batch's: when the table is the same size again (the same
/// schemas, as from one converter), [`SinkWriter::finish`] writes it in place and the records
/// are never copied.
#[derive(Debug, Default)]
pub struct SinkWriter {
    /// The schema table so far, in order of first use.
    schemas: Vec<SchemaRef>,
    /// `head` bytes for the header and schema table, then the records written so far.
    buf: Vec<u8>,
    head: usize,
    records: usize,
    /// The header being written by `finish`.
    scratch: Vec<u8>,
}

impl SinkWriter {
    /// An empty writer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Forgets the records written, keeping the allocations.
    pub fn clear(&mut self) {
        self.schemas.clear();
        self.buf.clear();
        self.buf.resize(self.head, 0);
        self.records = 0;
    }

    /// How many records were written since the last [`SinkWriter::clear`].
    pub fn len(&self) -> usize {
        self.records
    }

    /// Whether no record was written since the last [`SinkWriter::clear`].
    pub fn is_empty(&self) -> bool {
        self.records == 0
    }

    /// Appends one record with its headers, in order.
    pub fn push<'h>(
        &mut self,
        record: SinkRecordRef<'_>,
        headers: impl ExactSizeIterator<Item = HeaderRef<'h>>,
    ) {
        let r = record;
        put_str(&mut self.buf, r.topic);
        self.buf.extend_from_slice(&r.kafka_partition.to_le_bytes());
        self.buf.extend_from_slice(&r.kafka_offset.to_le_bytes());
        let key_ref = schema_index(&mut self.schemas, r.key_schema);
        put_u32(&mut self.buf, key_ref);
        put_write_value(&mut self.buf, r.key);
        let value_ref = schema_index(&mut self.schemas, r.value_schema);
        put_u32(&mut self.buf, value_ref);
        put_write_value(&mut self.buf, r.value);
        put_opt_i64(&mut self.buf, r.timestamp);
        self.buf.push(r.timestamp_type as u8);
        put_u32(&mut self.buf, headers.len() as u32);
        for h in headers {
            put_str(&mut self.buf, h.key);
            let schema_ref = schema_index(&mut self.schemas, h.schema);
            put_u32(&mut self.buf, schema_ref);
            put_write_value(&mut self.buf, h.value);
        }
        self.records += 1;
    }

    /// The batch of the records written since the last [`SinkWriter::clear`]. More records
    /// may be pushed afterwards; the next `finish` includes them. (A `Vec`, as wasmtime's
    /// bindings take a `list<u8>` argument.)
    pub fn finish(&mut self) -> &Vec<u8> {
        let mut header = std::mem::take(&mut self.scratch);
        header.clear();
        self.write_header(&mut header);
        if header.len() == self.head {
            self.buf[..self.head].copy_from_slice(&header);
        } else {
            self.buf.splice(..self.head, header.iter().copied());
            self.head = header.len();
        }
        self.scratch = header;
        &self.buf
    }

    /// Appends the batch of the records written since the last [`SinkWriter::clear`] to
    /// `out`.
    pub fn finish_into(&self, out: &mut Vec<u8>) {
        out.reserve(self.buf.len() - self.head + self.schemas.len() * 8 + 12);
        self.write_header(out);
        out.extend_from_slice(&self.buf[self.head..]);
    }

    fn write_header(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(MAGIC);
        put_u32(out, self.schemas.len() as u32);
        for s in &self.schemas {
            put_schema(out, s);
        }
        put_u32(out, self.records as u32);
    }
}

fn put_write_value(out: &mut Vec<u8>, v: WriteValue<'_>) {
    match v {
        WriteValue::Value(v) => put_value(out, v),
        WriteValue::Bytes(b) => {
            out.push(SchemaType::Bytes as u8);
            put_bytes(out, b);
        }
        WriteValue::Str(s) => {
            out.push(SchemaType::String as u8);
            put_str(out, s);
        }
        WriteValue::Null => out.push(0),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::batch::{decode_sink, encode_sink};
    use crate::{Field, Header, Schema, SinkRecord, Struct};

    fn write(records: &[SinkRecord], as_bytes: bool) -> Vec<u8> {
        let mut w = SinkWriter::new();
        for r in records {
            let part = |v| part(v, as_bytes);
            w.push(
                SinkRecordRef {
                    topic: &r.topic,
                    kafka_partition: r.kafka_partition,
                    kafka_offset: r.kafka_offset,
                    key_schema: r.key_schema.as_ref(),
                    key: part(&r.key),
                    value_schema: r.value_schema.as_ref(),
                    value: part(&r.value),
                    timestamp: r.timestamp,
                    timestamp_type: r.timestamp_type,
                },
                r.headers.iter().map(|h| HeaderRef {
                    key: &h.key,
                    schema: h.schema.as_ref(),
                    value: part(&h.value),
                }),
            );
        }
        assert_eq!(w.len(), records.len());
        let mut out = Vec::new();
        w.finish_into(&mut out);
        assert_eq!(*w.finish(), out);
        assert_eq!(*w.finish(), out, "finish twice");
        out
    }

    fn part(v: &Value, as_bytes: bool) -> WriteValue<'_> {
        match v {
            Value::Bytes(b) if as_bytes => WriteValue::Bytes(b),
            Value::String(s) if as_bytes => WriteValue::Str(s),
            Value::Null if as_bytes => WriteValue::Null,
            v => WriteValue::Value(v),
        }
    }

    fn record(
        offset: i64,
        key: Value,
        value: Value,
        value_schema: Option<SchemaRef>,
    ) -> SinkRecord {
        SinkRecord {
            topic: format!("topic-{}", offset % 2),
            kafka_partition: (offset % 3) as i32,
            kafka_offset: offset,
            key_schema: Some(Schema::optional_bytes()),
            key,
            value_schema,
            value,
            timestamp: (offset % 4 != 0).then_some(1_700_000_000_000 + offset),
            timestamp_type: if offset % 4 != 0 {
                TimestampType::CreateTime
            } else {
                TimestampType::NoTimestampType
            },
            headers: (0..offset % 3)
                .map(|i| Header {
                    key: format!("h{i}"),
                    schema: Some(Schema::optional_bytes()),
                    value: Value::Bytes(vec![i as u8; i as usize]),
                })
                .collect(),
        }
    }

    #[test]
    fn same_bytes_as_encode_sink() {
        let point = Arc::new(Schema {
            fields: vec![
                Field {
                    name: "x".into(),
                    index: 0,
                    schema: Schema::primitive(SchemaType::Int32).into(),
                },
                Field {
                    name: "label".into(),
                    index: 1,
                    schema: Schema::optional_string(),
                },
            ],
            name: Some("Point".into()),
            ..Schema::primitive(SchemaType::Struct)
        });
        // An equal schema in another allocation shares the table entry, as in encode_sink.
        let point_again = Arc::new((*point).clone());
        let mut records = vec![];
        for i in 0..20 {
            let value = match i % 5 {
                0 => record(i, Value::Null, Value::Null, None),
                1 => record(
                    i,
                    Value::Bytes(b"k".to_vec()),
                    Value::Bytes(vec![7; i as usize]),
                    Some(Schema::optional_bytes()),
                ),
                2 => record(
                    i,
                    Value::Null,
                    Value::String(format!("text {i} é")),
                    Some(Schema::optional_string()),
                ),
                3 => record(
                    i,
                    Value::Bytes(vec![]),
                    Value::Struct(Struct {
                        schema: point.clone(),
                        values: vec![Value::Int32(i as i32), Value::Null],
                    }),
                    Some(point.clone()),
                ),
                _ => record(
                    i,
                    Value::Null,
                    Value::Struct(Struct {
                        schema: point_again.clone(),
                        values: vec![Value::Int32(-1), Value::String("p".into())],
                    }),
                    Some(point_again.clone()),
                ),
            };
            records.push(value);
        }
        for n in [0, 1, 2, 7, records.len()] {
            let expected = encode_sink(&records[..n]);
            assert_eq!(write(&records[..n], false), expected, "{n} records");
            assert_eq!(
                write(&records[..n], true),
                expected,
                "{n} records, borrowed"
            );
            assert_eq!(decode_sink(&expected).unwrap(), records[..n]);
        }
    }

    #[test]
    fn clear_starts_a_new_batch() {
        let records: Vec<_> = (0..3)
            .map(|i| {
                record(
                    i,
                    Value::Null,
                    Value::Bytes(vec![1, 2, 3]),
                    Some(Schema::optional_bytes()),
                )
            })
            .collect();
        let mut w = SinkWriter::new();
        w.push(
            SinkRecordRef {
                topic: "other",
                kafka_partition: 9,
                kafka_offset: 9,
                key_schema: Some(&Schema::optional_string()),
                key: WriteValue::Str("x"),
                value_schema: None,
                value: WriteValue::Null,
                timestamp: None,
                timestamp_type: TimestampType::NoTimestampType,
            },
            std::iter::empty(),
        );
        w.clear();
        assert!(w.is_empty());
        for r in &records {
            w.push(
                SinkRecordRef {
                    topic: &r.topic,
                    kafka_partition: r.kafka_partition,
                    kafka_offset: r.kafka_offset,
                    key_schema: r.key_schema.as_ref(),
                    key: WriteValue::Value(&r.key),
                    value_schema: r.value_schema.as_ref(),
                    value: WriteValue::Value(&r.value),
                    timestamp: r.timestamp,
                    timestamp_type: r.timestamp_type,
                },
                r.headers.iter().map(|h| HeaderRef {
                    key: &h.key,
                    schema: h.schema.as_ref(),
                    value: WriteValue::Value(&h.value),
                }),
            );
        }
        let mut out = b"prefix".to_vec();
        w.finish_into(&mut out);
        assert_eq!(&out[..6], b"prefix");
        assert_eq!(out[6..], encode_sink(&records));
        assert_eq!(*w.finish(), encode_sink(&records));
    }

    #[test]
    fn reuse_across_batches_with_other_tables() {
        // Batches whose schema tables differ in size, then repeat: the records written
        // after the reserved head must move or stay as needed.
        let batches: Vec<Vec<SinkRecord>> = vec![
            vec![record(1, Value::Null, Value::Null, None)],
            (0..4)
                .map(|i| {
                    record(
                        i,
                        Value::Bytes(vec![i as u8]),
                        Value::String("v".into()),
                        Some(Schema::optional_string()),
                    )
                })
                .collect(),
            (0..4)
                .map(|i| {
                    record(
                        i + 10,
                        Value::Bytes(vec![i as u8]),
                        Value::String("w".into()),
                        Some(Schema::optional_string()),
                    )
                })
                .collect(),
            vec![],
            vec![record(3, Value::Null, Value::Bytes(vec![1]), None)],
        ];
        let mut w = SinkWriter::new();
        for batch in batches.iter().chain(batches.iter().rev()) {
            w.clear();
            for r in batch {
                w.push(
                    SinkRecordRef {
                        topic: &r.topic,
                        kafka_partition: r.kafka_partition,
                        kafka_offset: r.kafka_offset,
                        key_schema: r.key_schema.as_ref(),
                        key: part(&r.key, true),
                        value_schema: r.value_schema.as_ref(),
                        value: part(&r.value, true),
                        timestamp: r.timestamp,
                        timestamp_type: r.timestamp_type,
                    },
                    r.headers.iter().map(|h| HeaderRef {
                        key: &h.key,
                        schema: h.schema.as_ref(),
                        value: part(&h.value, true),
                    }),
                );
            }
            assert_eq!(*w.finish(), encode_sink(batch));
        }
    }
}
