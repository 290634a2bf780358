//! The generator, free of any wasm binding: the component wraps it, and native code (the bench
//! crate's raw baselines, a native twin) calls it directly, so both produce identical bytes.

use std::sync::Arc;

use wasmconnect_data::batch::{EncodedOffsetMap, OffsetMapRef, SourceBatchWriter, SourceRecordRef};
use wasmconnect_data::{
    OffsetMap, OffsetValue, Schema, SchemaRef, SchemaType, SourceRecord, Struct, Value,
};

/// Name of the value schema when `schema=true`.
pub const VALUE_SCHEMA_NAME: &str = "io.wasmconnect.bench.Datagen";

/// What one task generates.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Destination topic.
    pub topic: String,
    /// Records of the whole connector, over all tasks; negative means unlimited.
    pub records: i64,
    /// Bytes of each value (of the `payload` field when `schema` is set).
    pub value_size: usize,
    /// Key each record by its sequence number (decimal text, as bytes).
    pub key: bool,
    /// With schemas: a bytes key schema and a struct value `{seq: int64, payload: string}`.
    /// Without: schemaless bytes.
    pub schema: bool,
    /// Records per poll.
    pub batch_size: usize,
    /// This task's index, from 0.
    pub task: u32,
    /// How many tasks share the sequence: task `i` of `n` makes `i, i + n, i + 2n, …`.
    pub tasks: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            topic: "datagen".into(),
            records: -1,
            value_size: 100,
            key: false,
            schema: false,
            batch_size: 1000,
            task: 0,
            tasks: 1,
        }
    }
}

/// Writes the value bytes of record `seq`: its number as 16 hex digits, then letters, cut or
/// padded to `size`. Printable ASCII, so string converters carry it unchanged.
pub fn value_bytes(seq: i64, size: usize, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.clear();
    out.reserve(size);
    let n = seq as u64;
    let mut hex = [0u8; 16];
    for (i, digit) in hex.iter_mut().enumerate() {
        *digit = HEX[((n >> (60 - 4 * i)) & 0xf) as usize];
    }
    out.extend_from_slice(&hex[..size.min(16)]);
    // Byte i is b'a' + (seq + i) % 26: runs copied from the alphabet written out several
    // times, so a 100-byte value takes one copy.
    let mut letter = (n as usize).wrapping_add(16) % 26;
    while out.len() < size {
        let run = (LETTERS.len() - letter).min(size - out.len());
        out.extend_from_slice(&LETTERS[letter..letter + run]);
        // A run ends on a whole alphabet, or the value is complete.
        letter = (letter + run) % 26;
    }
}

/// The alphabet, five times.
const LETTERS: &[u8] = concat!(
    "abcdefghijklmnopqrstuvwxyz",
    "abcdefghijklmnopqrstuvwxyz",
    "abcdefghijklmnopqrstuvwxyz",
    "abcdefghijklmnopqrstuvwxyz",
    "abcdefghijklmnopqrstuvwxyz",
)
.as_bytes();

/// The key bytes of record `seq`: its decimal text.
pub fn key_bytes(seq: i64) -> Vec<u8> {
    let mut out = Vec::new();
    write_decimal(seq, &mut out);
    out
}

/// Appends the decimal text of `n`.
fn write_decimal(n: i64, out: &mut Vec<u8>) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut m = n.unsigned_abs();
    loop {
        i -= 1;
        digits[i] = b'0' + (m % 10) as u8;
        m /= 10;
        if m == 0 {
            break;
        }
    }
    if n < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&digits[i..]);
}

/// Generates the records of one task, resuming after a committed sequence number.
#[derive(Debug)]
pub struct Generator {
    settings: Settings,
    /// Next global sequence number of this task.
    next: i64,
    partition: OffsetMap,
    value_schema: Option<SchemaRef>,
    key_schema: Option<SchemaRef>,
    /// Reused for every record [`fill`](Self::fill) writes: the offset, key and value.
    scratch: Scratch,
}

/// What [`Generator::fill`] rewrites in place for each record instead of allocating it.
#[derive(Debug)]
struct Scratch {
    partition: EncodedOffsetMap,
    offset: OffsetValue,
    key: Value,
    value: Value,
}

impl Generator {
    /// A generator starting after `last` (the `seq` of the last committed record), or at the
    /// task's first record.
    pub fn new(settings: Settings, last: Option<i64>) -> Self {
        let tasks = i64::from(settings.tasks.max(1));
        let next = match last {
            Some(seq) => seq + tasks,
            None => i64::from(settings.task),
        };
        let (key_schema, value_schema) = if settings.schema {
            let value = Schema::structure([
                (
                    "seq".to_owned(),
                    Arc::new(Schema::primitive(SchemaType::Int64)),
                ),
                ("payload".to_owned(), Schema::string()),
            ])
            .named(VALUE_SCHEMA_NAME);
            (Some(Schema::bytes()), Some(Arc::new(value)))
        } else {
            (None, None)
        };
        let scratch = Scratch {
            partition: EncodedOffsetMap::new(&Self::source_partition(settings.task)),
            offset: OffsetValue::Int64(0),
            key: Value::Null,
            value: if settings.schema {
                Value::Struct(Struct {
                    schema: value_schema.clone().unwrap_or_else(Schema::bytes),
                    values: vec![Value::Int64(0), Value::String(String::new())],
                })
            } else {
                Value::Bytes(Vec::new())
            },
        };
        Self {
            partition: Self::source_partition(settings.task),
            settings,
            next,
            value_schema,
            key_schema,
            scratch,
        }
    }

    /// The source partition of task `task`: `{"task": task}`.
    pub fn source_partition(task: u32) -> OffsetMap {
        OffsetMap::from([("task".to_owned(), OffsetValue::Int64(i64::from(task)))])
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Whether every record of this task was generated.
    pub fn done(&self) -> bool {
        self.settings.records >= 0 && self.next >= self.settings.records
    }

    /// The next batch: up to `batch_size` records, empty once done.
    pub fn next_batch(&mut self) -> Vec<SourceRecord> {
        let mut out = Vec::with_capacity(self.settings.batch_size);
        while out.len() < self.settings.batch_size && !self.done() {
            out.push(self.record(self.next));
            self.next += i64::from(self.settings.tasks.max(1));
        }
        out
    }

    /// Appends the next batch to `out`, the same records as [`next_batch`](Self::next_batch)
    /// without building them: offset, key and value are rewritten in place.
    pub fn fill(&mut self, out: &mut SourceBatchWriter) {
        let step = i64::from(self.settings.tasks.max(1));
        for _ in 0..self.settings.batch_size {
            if self.done() {
                break;
            }
            let seq = self.next;
            self.next += step;
            let s = &self.settings;
            let sc = &mut self.scratch;
            sc.offset = OffsetValue::Int64(seq);
            if s.key {
                if let Value::Bytes(buf) = &mut sc.key {
                    buf.clear();
                    write_decimal(seq, buf);
                } else {
                    sc.key = Value::Bytes(key_bytes(seq));
                }
            }
            match &mut sc.value {
                Value::Bytes(b) => value_bytes(seq, s.value_size, b),
                Value::Struct(st) => {
                    st.values[0] = Value::Int64(seq);
                    if let Value::String(text) = &mut st.values[1] {
                        let mut bytes = std::mem::take(text).into_bytes();
                        value_bytes(seq, s.value_size, &mut bytes);
                        // value_bytes writes ASCII only.
                        *text = String::from_utf8(bytes).unwrap_or_default();
                    }
                }
                _ => {}
            }
            out.push_ref(SourceRecordRef {
                topic: &s.topic,
                kafka_partition: None,
                source_partition: OffsetMapRef::Encoded(&sc.partition),
                source_offset: OffsetMapRef::Single("seq", &sc.offset),
                key_schema: if s.key {
                    self.key_schema.as_ref()
                } else {
                    None
                },
                key: &sc.key,
                value_schema: self.value_schema.as_ref(),
                value: &sc.value,
                timestamp: None,
                headers: &[],
            });
        }
    }

    /// Record `seq`.
    pub fn record(&mut self, seq: i64) -> SourceRecord {
        let s = &self.settings;
        let key = if s.key {
            Value::Bytes(key_bytes(seq))
        } else {
            Value::Null
        };
        let mut bytes = Vec::new();
        value_bytes(seq, s.value_size, &mut bytes);
        let value = match &self.value_schema {
            Some(schema) => {
                let payload = String::from_utf8(bytes).unwrap_or_default();
                Value::Struct(Struct {
                    schema: schema.clone(),
                    values: vec![Value::Int64(seq), Value::String(payload)],
                })
            }
            None => Value::Bytes(bytes),
        };
        SourceRecord {
            source_partition: self.partition.clone(),
            source_offset: {
                // insert, not `from([..])`, which sorts and dedups even a single entry.
                let mut offset = OffsetMap::new();
                offset.insert("seq".to_owned(), OffsetValue::Int64(seq));
                offset
            },
            topic: s.topic.clone(),
            kafka_partition: None,
            key_schema: if s.key { self.key_schema.clone() } else { None },
            key,
            value_schema: self.value_schema.clone(),
            value,
            timestamp: None,
            headers: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_deterministic_and_sized() {
        let mut a = Vec::new();
        value_bytes(1, 100, &mut a);
        assert_eq!(a.len(), 100);
        assert!(a.starts_with(b"0000000000000001"));
        assert!(a.iter().all(u8::is_ascii_graphic));
        let mut b = Vec::new();
        value_bytes(1, 100, &mut b);
        assert_eq!(a, b);
        value_bytes(2, 10, &mut b);
        assert_eq!(b, b"0000000000");
        for seq in [0, 1, 25, 1_000_003, i64::MAX] {
            value_bytes(seq, 100, &mut b);
            for (i, &byte) in b.iter().enumerate().skip(16) {
                let want = b'a' + ((seq as u64 as usize).wrapping_add(i) % 26) as u8;
                assert_eq!(byte, want, "seq {seq} byte {i}");
            }
        }
    }

    #[test]
    fn tasks_split_the_sequence_and_resume() {
        let settings = |task| Settings {
            records: 5,
            batch_size: 10,
            task,
            tasks: 2,
            ..Settings::default()
        };
        let seqs = |g: &mut Generator| -> Vec<i64> {
            g.next_batch()
                .iter()
                .map(|r| match r.source_offset["seq"] {
                    OffsetValue::Int64(s) => s,
                    _ => unreachable!(),
                })
                .collect()
        };
        assert_eq!(seqs(&mut Generator::new(settings(0), None)), [0, 2, 4]);
        assert_eq!(seqs(&mut Generator::new(settings(1), None)), [1, 3]);
        let mut resumed = Generator::new(settings(0), Some(2));
        assert_eq!(seqs(&mut resumed), [4]);
        assert!(resumed.done());
        assert!(resumed.next_batch().is_empty());
    }

    #[test]
    fn fill_writes_what_next_batch_makes() {
        for (key, schema) in [(false, false), (true, false), (false, true), (true, true)] {
            let settings = Settings {
                records: 2500,
                batch_size: 1000,
                key,
                schema,
                ..Settings::default()
            };
            let mut a = Generator::new(settings.clone(), Some(-1));
            let mut b = Generator::new(settings, Some(-1));
            loop {
                let records = a.next_batch();
                let mut w = SourceBatchWriter::new();
                b.fill(&mut w);
                assert_eq!(
                    w.finish(),
                    wasmconnect_data::batch::encode_source(&records),
                    "key {key} schema {schema}"
                );
                if records.is_empty() {
                    break;
                }
            }
        }
        assert_eq!(key_bytes(-12), b"-12");
        assert_eq!(key_bytes(0), b"0");
        assert_eq!(key_bytes(i64::MIN), i64::MIN.to_string().as_bytes());
    }

    #[test]
    fn schema_mode_makes_structs() {
        let mut g = Generator::new(
            Settings {
                schema: true,
                key: true,
                ..Settings::default()
            },
            None,
        );
        let r = g.record(7);
        assert_eq!(r.key, Value::Bytes(b"7".to_vec()));
        let Value::Struct(s) = &r.value else {
            panic!("not a struct")
        };
        assert_eq!(s.get("seq"), Some(&Value::Int64(7)));
        assert_eq!(
            r.value_schema.unwrap().name.as_deref(),
            Some(VALUE_SCHEMA_NAME)
        );
    }
}
