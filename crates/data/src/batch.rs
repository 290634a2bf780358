//! The `WCB1` record-batch codec, exactly as `wit/RECORD-FORMAT.md` specifies.
//!
//! Encoding never fails: it writes what it is given. A record whose value does not match its
//! schema (or a malformed schema, e.g. an array schema without an element schema) produces a
//! batch the reader rejects, naming the byte offset, so the error surfaces on the other side
//! of the boundary instead of a panic inside a guest.
//!
//! Decoding trusts nothing: it checks the magic, every length against the bytes left, tags,
//! types, flags, UTF-8, schema references, nesting depth ([`MAX_DEPTH`]) and that each value
//! matches its schema. Records naming the same schema-table entry share one [`SchemaRef`].

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use crate::{
    Field, Header, OffsetMap, OffsetValue, Schema, SchemaRef, SchemaType, SinkRecord, SourceRecord,
    Struct, TimestampType, Value,
};

pub mod sink_writer;

/// The four bytes every batch starts with.
pub const MAGIC: &[u8; 4] = b"WCB1";

/// The deepest nesting of schemas or values a reader accepts (arrays, maps and structs
/// inside each other), so a hostile batch cannot overflow the reader's stack.
pub const MAX_DEPTH: u32 = 64;

const FLAG_OPTIONAL: u8 = 1 << 0;
const FLAG_NAME: u8 = 1 << 1;
const FLAG_VERSION: u8 = 1 << 2;
const FLAG_DOC: u8 = 1 << 3;
const FLAG_PARAMS: u8 = 1 << 4;
const FLAG_DEFAULT: u8 = 1 << 5;
const FLAGS_KNOWN: u8 = 0b0011_1111;

/// Written instead of a type code for a schema the encoder cannot represent (an array or map
/// schema missing its child schemas); readers reject it as an unknown type.
const TYPE_MALFORMED: u8 = 0;

mod view;
pub use view::*;

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

/// Encodes source records into a new batch.
pub fn encode_source(records: &[SourceRecord]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_source_into(records, &mut out);
    out
}

/// Encodes source records, appending the batch to `out` (to reuse its allocation).
pub fn encode_source_into(records: &[SourceRecord], out: &mut Vec<u8>) {
    let table = SchemaTable::of(records.iter().map(|r| {
        (
            r.key_schema.as_ref(),
            r.value_schema.as_ref(),
            &r.headers[..],
        )
    }));
    out.reserve(table.entries.len() * 8 + records.len() * 64 + 12);
    let mut refs = table.begin(out, records.len());
    for r in records {
        put_str(out, &r.topic);
        match r.kafka_partition {
            None => out.push(0),
            Some(p) => {
                out.push(1);
                out.extend_from_slice(&p.to_le_bytes());
            }
        }
        put_offset_map(out, &r.source_partition);
        put_offset_map(out, &r.source_offset);
        put_u32(out, refs.next());
        put_value(out, &r.key);
        put_u32(out, refs.next());
        put_value(out, &r.value);
        put_opt_i64(out, r.timestamp);
        put_headers_refs(out, &r.headers, |_| refs.next());
    }
}

/// Encodes sink records into a new batch.
pub fn encode_sink(records: &[SinkRecord]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_sink_into(records, &mut out);
    out
}

/// Encodes sink records, appending the batch to `out` (to reuse its allocation).
pub fn encode_sink_into(records: &[SinkRecord], out: &mut Vec<u8>) {
    let table = SchemaTable::of(records.iter().map(|r| {
        (
            r.key_schema.as_ref(),
            r.value_schema.as_ref(),
            &r.headers[..],
        )
    }));
    out.reserve(table.entries.len() * 8 + records.len() * 48 + 12);
    let mut refs = table.begin(out, records.len());
    for r in records {
        put_str(out, &r.topic);
        out.extend_from_slice(&r.kafka_partition.to_le_bytes());
        out.extend_from_slice(&r.kafka_offset.to_le_bytes());
        put_u32(out, refs.next());
        put_value(out, &r.key);
        put_u32(out, refs.next());
        put_value(out, &r.value);
        put_opt_i64(out, r.timestamp);
        out.push(r.timestamp_type as u8);
        put_headers_refs(out, &r.headers, |_| refs.next());
    }
}

/// The schema-ref of `schema` in `table`, adding it if it is new: the same `Arc` first, then
/// an equal schema, as the batch encoders do.
fn schema_index(table: &mut Vec<SchemaRef>, schema: Option<&SchemaRef>) -> u32 {
    let Some(s) = schema else { return 0 };
    let found = table
        .iter()
        .position(|e| Arc::ptr_eq(e, s))
        .or_else(|| table.iter().position(|e| **e == **s));
    let index = found.unwrap_or_else(|| {
        table.push(s.clone());
        table.len() - 1
    });
    index as u32 + 1
}

/// The distinct schemas of a batch, and the schema-ref of every schema slot in record order.
#[derive(Default)]
struct SchemaTable {
    entries: Vec<SchemaRef>,
    refs: Vec<u32>,
}

impl SchemaTable {
    /// The table for a batch, given each record's key schema, value schema and headers, in
    /// the order they are written.
    fn of<'a>(
        records: impl Iterator<
            Item = (
                Option<&'a SchemaRef>,
                Option<&'a SchemaRef>,
                &'a [crate::Header],
            ),
        >,
    ) -> Self {
        let mut table = Self::default();
        for (key, value, headers) in records {
            table.add(key);
            table.add(value);
            for h in headers {
                table.add(h.schema.as_ref());
            }
        }
        table
    }

    /// Records the schema-ref for one slot, adding `schema` to the table if it is new.
    fn add(&mut self, schema: Option<&SchemaRef>) {
        let r = schema_index(&mut self.entries, schema);
        self.refs.push(r);
    }

    /// Writes the header and the table; returns the refs to write, in slot order.
    fn begin(self, out: &mut Vec<u8>, record_count: usize) -> Refs {
        out.extend_from_slice(MAGIC);
        put_u32(out, self.entries.len() as u32);
        for s in &self.entries {
            put_schema(out, s);
        }
        put_u32(out, record_count as u32);
        Refs(self.refs.into_iter())
    }
}

/// The schema-refs of a batch's slots, in the order the records are written.
struct Refs(std::vec::IntoIter<u32>);

impl Refs {
    /// The next schema-ref; the table made one per slot, so it cannot run out.
    fn next(&mut self) -> u32 {
        self.0.next().unwrap_or(0)
    }
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_bytes(out, s.as_bytes());
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_u32(out, b.len() as u32);
    out.extend_from_slice(b);
}

fn put_opt_i64(out: &mut Vec<u8>, v: Option<i64>) {
    match v {
        None => out.push(0),
        Some(v) => {
            out.push(1);
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
}

/// Headers, with each header's schema-ref from `schema_ref`.
fn put_headers_refs(
    out: &mut Vec<u8>,
    headers: &[Header],
    mut schema_ref: impl FnMut(Option<&SchemaRef>) -> u32,
) {
    put_u32(out, headers.len() as u32);
    for h in headers {
        put_str(out, &h.key);
        put_u32(out, schema_ref(h.schema.as_ref()));
        put_value(out, &h.value);
    }
}

fn put_offset_map(out: &mut Vec<u8>, map: &OffsetMap) {
    put_u32(out, map.len() as u32);
    for (k, v) in map {
        put_str(out, k);
        put_offset_value(out, v);
    }
}

fn put_offset_value(out: &mut Vec<u8>, v: &OffsetValue) {
    match v {
        OffsetValue::Null => out.push(0),
        OffsetValue::Boolean(b) => out.extend_from_slice(&[7, *b as u8]),
        OffsetValue::Int64(i) => {
            let mut b = [4; 9];
            b[1..].copy_from_slice(&i.to_le_bytes());
            out.extend_from_slice(&b);
        }
        OffsetValue::Float64(f) => {
            out.push(6);
            out.extend_from_slice(&f.to_le_bytes());
        }
        OffsetValue::String(s) => {
            out.push(8);
            put_str(out, s);
        }
        OffsetValue::Bytes(b) => {
            out.push(9);
            put_bytes(out, b);
        }
    }
}

fn put_schema(out: &mut Vec<u8>, s: &Schema) {
    let malformed = match s.schema_type {
        SchemaType::Array => s.value_schema.is_none(),
        SchemaType::Map => s.key_schema.is_none() || s.value_schema.is_none(),
        _ => false,
    };
    if malformed {
        out.extend_from_slice(&[TYPE_MALFORMED, 0]);
        return;
    }
    let mut flags = 0;
    if s.optional {
        flags |= FLAG_OPTIONAL;
    }
    if s.name.is_some() {
        flags |= FLAG_NAME;
    }
    if s.version.is_some() {
        flags |= FLAG_VERSION;
    }
    if s.doc.is_some() {
        flags |= FLAG_DOC;
    }
    if !s.parameters.is_empty() {
        flags |= FLAG_PARAMS;
    }
    if s.default_value.is_some() {
        flags |= FLAG_DEFAULT;
    }
    out.extend_from_slice(&[s.schema_type as u8, flags]);
    if let Some(name) = &s.name {
        put_str(out, name);
    }
    if let Some(v) = s.version {
        out.extend_from_slice(&v.to_le_bytes());
    }
    if let Some(doc) = &s.doc {
        put_str(out, doc);
    }
    if !s.parameters.is_empty() {
        put_u32(out, s.parameters.len() as u32);
        for (k, v) in &s.parameters {
            put_str(out, k);
            put_str(out, v);
        }
    }
    match s.schema_type {
        SchemaType::Array => put_schema(out, s.value_schema.as_deref().unwrap_or(s)),
        SchemaType::Map => {
            put_schema(out, s.key_schema.as_deref().unwrap_or(s));
            put_schema(out, s.value_schema.as_deref().unwrap_or(s));
        }
        SchemaType::Struct => {
            put_u32(out, s.fields.len() as u32);
            for f in &s.fields {
                put_str(out, &f.name);
                put_schema(out, &f.schema);
            }
        }
        _ => {}
    }
    if let Some(d) = &s.default_value {
        put_value(out, d);
    }
}

fn put_value(out: &mut Vec<u8>, v: &Value) {
    out.push(v.tag());
    match v {
        Value::Null => {}
        Value::Int8(i) => out.extend_from_slice(&i.to_le_bytes()),
        Value::Int16(i) => out.extend_from_slice(&i.to_le_bytes()),
        Value::Int32(i) => out.extend_from_slice(&i.to_le_bytes()),
        Value::Int64(i) => out.extend_from_slice(&i.to_le_bytes()),
        Value::Float32(f) => out.extend_from_slice(&f.to_le_bytes()),
        Value::Float64(f) => out.extend_from_slice(&f.to_le_bytes()),
        Value::Boolean(b) => out.push(*b as u8),
        Value::String(s) => put_str(out, s),
        Value::Bytes(b) => put_bytes(out, b),
        Value::Array(items) => {
            put_u32(out, items.len() as u32);
            for item in items {
                put_value(out, item);
            }
        }
        Value::Map(entries) => {
            put_u32(out, entries.len() as u32);
            for (k, v) in entries {
                put_value(out, k);
                put_value(out, v);
            }
        }
        Value::Struct(s) => {
            put_u32(out, s.values.len() as u32);
            for v in &s.values {
                put_value(out, v);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

/// Why a batch was rejected, and at which byte offset of the batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// Byte offset in the batch where the offending item starts.
    pub offset: usize,
    /// What is wrong there.
    pub kind: DecodeErrorKind,
}

/// What made a batch invalid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeErrorKind {
    /// The batch does not start with `WCB1`.
    BadMagic,
    /// The batch ends before an item of `needed` bytes.
    Truncated {
        /// Bytes the item needs.
        needed: usize,
    },
    /// Bytes remain after the last record.
    TrailingBytes {
        /// How many.
        count: usize,
    },
    /// A schema type code that is not 1..=12.
    UnknownSchemaType(u8),
    /// Schema flags with reserved bits set.
    UnknownSchemaFlags(u8),
    /// A value tag that is not 0..=12.
    UnknownValueTag(u8),
    /// A value tag not allowed in a source partition or offset (only null, boolean, int64,
    /// float64, string, bytes are).
    BadOffsetValueTag(u8),
    /// An `opt(T)` presence byte or a boolean that is neither 0 nor 1.
    BadBool(u8),
    /// A timestamp type that is not 0, 1 or 2.
    BadTimestampType(u8),
    /// A string that is not valid UTF-8.
    InvalidUtf8,
    /// A schema-ref past the end of the schema table.
    BadSchemaRef {
        /// The ref read.
        schema_ref: u32,
        /// Entries in the table.
        table_len: u32,
    },
    /// Schemas or values nested deeper than [`MAX_DEPTH`].
    TooDeep,
    /// A value whose type differs from its schema's.
    TypeMismatch {
        /// The schema's type.
        expected: SchemaType,
        /// The value's type.
        found: SchemaType,
    },
    /// `null` under a schema that is neither optional nor has a default.
    NullNotAllowed {
        /// The schema's type.
        expected: SchemaType,
    },
    /// A struct value whose field count differs from its schema's.
    FieldCount {
        /// Fields in the schema.
        expected: usize,
        /// Values in the struct.
        found: usize,
    },
    /// A struct value without a schema.
    StructWithoutSchema,
}

impl fmt::Display for DecodeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadMagic => write!(f, "does not start with \"WCB1\""),
            Self::Truncated { needed } => write!(f, "ends early: {needed} more bytes needed"),
            Self::TrailingBytes { count } => {
                write!(f, "{count} bytes left over after the last record")
            }
            Self::UnknownSchemaType(t) => write!(f, "unknown schema type {t}"),
            Self::UnknownSchemaFlags(b) => write!(f, "unknown schema flags {b:#010b}"),
            Self::UnknownValueTag(t) => write!(f, "unknown value tag {t}"),
            Self::BadOffsetValueTag(t) => write!(
                f,
                "value tag {t} not allowed in a source partition or offset \
                 (null, boolean, int64, float64, string or bytes)"
            ),
            Self::BadBool(b) => write!(f, "expected 0 or 1, found {b}"),
            Self::BadTimestampType(t) => write!(f, "unknown timestamp type {t}"),
            Self::InvalidUtf8 => write!(f, "string is not valid UTF-8"),
            Self::BadSchemaRef {
                schema_ref,
                table_len,
            } => write!(
                f,
                "schema-ref {schema_ref} past the schema table of {table_len} entries"
            ),
            Self::TooDeep => write!(f, "nested deeper than {MAX_DEPTH} levels"),
            Self::TypeMismatch { expected, found } => write!(
                f,
                "{} value under a {} schema",
                found.name(),
                expected.name()
            ),
            Self::NullNotAllowed { expected } => write!(
                f,
                "null value under a non-optional {} schema without a default",
                expected.name()
            ),
            Self::FieldCount { expected, found } => write!(
                f,
                "struct value has {found} fields, its schema has {expected}"
            ),
            Self::StructWithoutSchema => write!(f, "struct value without a schema"),
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid record batch at byte {}: {}",
            self.offset, self.kind
        )
    }
}

impl std::error::Error for DecodeError {}

/// Decodes a batch of source records.
pub fn decode_source(bytes: &[u8]) -> Result<Vec<SourceRecord>, DecodeError> {
    Ok(decode_source_views(bytes)?
        .into_iter()
        .map(SourceRecordView::into_record)
        .collect())
}

/// Decodes a batch of sink records.
pub fn decode_sink(bytes: &[u8]) -> Result<Vec<SinkRecord>, DecodeError> {
    Ok(decode_sink_views(bytes)?
        .into_iter()
        .map(SinkRecordView::into_record)
        .collect())
}

/// A cursor over an untrusted batch.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    fn err_at(&self, offset: usize, kind: DecodeErrorKind) -> DecodeError {
        DecodeError { offset, kind }
    }

    /// A capacity for `n` items of at least one byte each: never more than the bytes left.
    fn cap(&self, n: u32) -> usize {
        (n as usize).min(self.buf.len() - self.pos)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let rest = &self.buf[self.pos..];
        if rest.len() < n {
            return Err(self.err_at(
                self.pos,
                DecodeErrorKind::Truncated {
                    needed: n - rest.len(),
                },
            ));
        }
        self.pos += n;
        Ok(&rest[..n])
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let b = self.take(N)?;
        let mut a = [0; N];
        a.copy_from_slice(b);
        Ok(a)
    }

    fn u8(&mut self) -> Result<u8, DecodeError> {
        match self.buf.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                Ok(b)
            }
            None => Err(self.err_at(self.pos, DecodeErrorKind::Truncated { needed: 1 })),
        }
    }

    fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    fn i32(&mut self) -> Result<i32, DecodeError> {
        Ok(i32::from_le_bytes(self.array()?))
    }

    fn i64(&mut self) -> Result<i64, DecodeError> {
        Ok(i64::from_le_bytes(self.array()?))
    }

    /// A byte that must be 0 or 1 (an `opt` presence byte or a boolean).
    fn flag(&mut self) -> Result<bool, DecodeError> {
        let at = self.pos;
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(self.err_at(at, DecodeErrorKind::BadBool(b))),
        }
    }

    fn bytes(&mut self) -> Result<&'a [u8], DecodeError> {
        let n = self.u32()? as usize;
        self.take(n)
    }

    fn str(&mut self) -> Result<&'a str, DecodeError> {
        let at = self.pos;
        let b = self.bytes()?;
        std::str::from_utf8(b).map_err(|_| self.err_at(at, DecodeErrorKind::InvalidUtf8))
    }

    fn string(&mut self) -> Result<String, DecodeError> {
        self.str().map(str::to_owned)
    }

    /// Reads the magic and the schema table; returns the table and the record count.
    fn begin(&mut self) -> Result<(Vec<SchemaRef>, u32), DecodeError> {
        if self.buf.len() < MAGIC.len() || &self.buf[..MAGIC.len()] != MAGIC {
            return Err(self.err_at(0, DecodeErrorKind::BadMagic));
        }
        self.pos = MAGIC.len();
        let n = self.u32()?;
        let mut table = Vec::with_capacity(self.cap(n));
        for _ in 0..n {
            table.push(Arc::new(self.schema(0)?));
        }
        let count = self.u32()?;
        Ok((table, count))
    }

    fn end(&self) -> Result<(), DecodeError> {
        match self.buf.len() - self.pos {
            0 => Ok(()),
            count => Err(self.err_at(self.pos, DecodeErrorKind::TrailingBytes { count })),
        }
    }

    fn schema_ref(&mut self, table: &[SchemaRef]) -> Result<Option<SchemaRef>, DecodeError> {
        let at = self.pos;
        match self.u32()? {
            0 => Ok(None),
            k => match table.get(k as usize - 1) {
                Some(s) => Ok(Some(s.clone())),
                None => Err(self.err_at(
                    at,
                    DecodeErrorKind::BadSchemaRef {
                        schema_ref: k,
                        table_len: table.len() as u32,
                    },
                )),
            },
        }
    }

    fn schema(&mut self, depth: u32) -> Result<Schema, DecodeError> {
        let at = self.pos;
        if depth >= MAX_DEPTH {
            return Err(self.err_at(at, DecodeErrorKind::TooDeep));
        }
        let code = self.u8()?;
        let schema_type = SchemaType::from_code(code)
            .ok_or_else(|| self.err_at(at, DecodeErrorKind::UnknownSchemaType(code)))?;
        let flags = self.u8()?;
        if flags & !FLAGS_KNOWN != 0 {
            return Err(self.err_at(at + 1, DecodeErrorKind::UnknownSchemaFlags(flags)));
        }
        let mut s = Schema::primitive(schema_type);
        s.optional = flags & FLAG_OPTIONAL != 0;
        if flags & FLAG_NAME != 0 {
            s.name = Some(self.string()?);
        }
        if flags & FLAG_VERSION != 0 {
            s.version = Some(self.i32()?);
        }
        if flags & FLAG_DOC != 0 {
            s.doc = Some(self.string()?);
        }
        if flags & FLAG_PARAMS != 0 {
            let n = self.u32()?;
            let mut params = BTreeMap::new();
            for _ in 0..n {
                let k = self.string()?;
                let v = self.string()?;
                params.insert(k, v);
            }
            s.parameters = params;
        }
        match schema_type {
            SchemaType::Array => s.value_schema = Some(Arc::new(self.schema(depth + 1)?)),
            SchemaType::Map => {
                s.key_schema = Some(Arc::new(self.schema(depth + 1)?));
                s.value_schema = Some(Arc::new(self.schema(depth + 1)?));
            }
            SchemaType::Struct => {
                let n = self.u32()?;
                let mut fields = Vec::with_capacity(self.cap(n));
                for index in 0..n as usize {
                    let name = self.string()?;
                    let schema = Arc::new(self.schema(depth + 1)?);
                    fields.push(Field {
                        name,
                        index,
                        schema,
                    });
                }
                s.fields = fields;
            }
            _ => {}
        }
        if flags & FLAG_DEFAULT != 0 {
            // The default is checked against the schema as read so far; a struct default's
            // `Struct::schema` is that schema (without its default, which would be cyclic).
            let base = Arc::new(s);
            let default = self.value(Some(&base), depth)?;
            s = Arc::try_unwrap(base).unwrap_or_else(|shared| (*shared).clone());
            s.default_value = Some(default);
        }
        Ok(s)
    }

    /// A value of type `ty` at `at` must match its schema's type, if it has a schema.
    fn check_type(
        &self,
        at: usize,
        schema: Option<&SchemaRef>,
        ty: SchemaType,
    ) -> Result<(), DecodeError> {
        match schema {
            Some(s) if s.schema_type != ty => Err(self.err_at(
                at,
                DecodeErrorKind::TypeMismatch {
                    expected: s.schema_type,
                    found: ty,
                },
            )),
            _ => Ok(()),
        }
    }

    fn value(&mut self, schema: Option<&SchemaRef>, depth: u32) -> Result<Value, DecodeError> {
        let at = self.pos;
        let tag = self.u8()?;
        if tag == 0 {
            if let Some(s) = schema
                && !s.optional
                && s.default_value.is_none()
            {
                return Err(self.err_at(
                    at,
                    DecodeErrorKind::NullNotAllowed {
                        expected: s.schema_type,
                    },
                ));
            }
            return Ok(Value::Null);
        }
        let ty = SchemaType::from_code(tag)
            .ok_or_else(|| self.err_at(at, DecodeErrorKind::UnknownValueTag(tag)))?;
        self.check_type(at, schema, ty)?;
        if !ty.is_primitive() && depth >= MAX_DEPTH {
            return Err(self.err_at(at, DecodeErrorKind::TooDeep));
        }
        Ok(match ty {
            SchemaType::Int8 => Value::Int8(i8::from_le_bytes(self.array()?)),
            SchemaType::Int16 => Value::Int16(i16::from_le_bytes(self.array()?)),
            SchemaType::Int32 => Value::Int32(self.i32()?),
            SchemaType::Int64 => Value::Int64(self.i64()?),
            SchemaType::Float32 => Value::Float32(f32::from_le_bytes(self.array()?)),
            SchemaType::Float64 => Value::Float64(f64::from_le_bytes(self.array()?)),
            SchemaType::Boolean => Value::Boolean(self.flag()?),
            SchemaType::String => Value::String(self.string()?),
            SchemaType::Bytes => Value::Bytes(self.bytes()?.to_vec()),
            SchemaType::Array => {
                let element = schema.and_then(|s| s.value_schema.as_ref());
                let n = self.u32()?;
                let mut items = Vec::with_capacity(self.cap(n));
                for _ in 0..n {
                    items.push(self.value(element, depth + 1)?);
                }
                Value::Array(items)
            }
            SchemaType::Map => {
                let key = schema.and_then(|s| s.key_schema.as_ref());
                let val = schema.and_then(|s| s.value_schema.as_ref());
                let n = self.u32()?;
                let mut entries = Vec::with_capacity(self.cap(n) / 2);
                for _ in 0..n {
                    let k = self.value(key, depth + 1)?;
                    let v = self.value(val, depth + 1)?;
                    entries.push((k, v));
                }
                Value::Map(entries)
            }
            SchemaType::Struct => {
                let Some(s) = schema else {
                    return Err(self.err_at(at, DecodeErrorKind::StructWithoutSchema));
                };
                let n = self.u32()? as usize;
                if n != s.fields.len() {
                    return Err(self.err_at(
                        at,
                        DecodeErrorKind::FieldCount {
                            expected: s.fields.len(),
                            found: n,
                        },
                    ));
                }
                let mut values = Vec::with_capacity(n);
                for f in &s.fields {
                    values.push(self.value(Some(&f.schema), depth + 1)?);
                }
                Value::Struct(Struct {
                    schema: s.clone(),
                    values,
                })
            }
        })
    }

    fn timestamp_type(&mut self) -> Result<TimestampType, DecodeError> {
        let at = self.pos;
        match self.u8()? {
            0 => Ok(TimestampType::NoTimestampType),
            1 => Ok(TimestampType::CreateTime),
            2 => Ok(TimestampType::LogAppendTime),
            t => Err(self.err_at(at, DecodeErrorKind::BadTimestampType(t))),
        }
    }

    /// Checks an offset map as [`offset_map`](Self::offset_map) does, without building it.
    fn offset_map_checked(&mut self) -> Result<(), DecodeError> {
        let n = self.u32()?;
        for _ in 0..n {
            self.str()?;
            let at = self.pos;
            match self.u8()? {
                0 => {}
                7 => {
                    self.flag()?;
                }
                4 | 6 => {
                    self.take(8)?;
                }
                8 => {
                    self.str()?;
                }
                9 => {
                    self.bytes()?;
                }
                t if SchemaType::from_code(t).is_some() => {
                    return Err(self.err_at(at, DecodeErrorKind::BadOffsetValueTag(t)));
                }
                t => return Err(self.err_at(at, DecodeErrorKind::UnknownValueTag(t))),
            }
        }
        Ok(())
    }

    fn offset_map(&mut self) -> Result<OffsetMap, DecodeError> {
        let n = self.u32()?;
        let mut map = OffsetMap::new();
        for _ in 0..n {
            let key = self.string()?;
            let at = self.pos;
            let v = match self.u8()? {
                0 => OffsetValue::Null,
                7 => OffsetValue::Boolean(self.flag()?),
                4 => OffsetValue::Int64(self.i64()?),
                6 => OffsetValue::Float64(f64::from_le_bytes(self.array()?)),
                8 => OffsetValue::String(self.string()?),
                9 => OffsetValue::Bytes(self.bytes()?.to_vec()),
                t if SchemaType::from_code(t).is_some() => {
                    return Err(self.err_at(at, DecodeErrorKind::BadOffsetValueTag(t)));
                }
                t => return Err(self.err_at(at, DecodeErrorKind::UnknownValueTag(t))),
            };
            map.insert(key, v);
        }
        Ok(map)
    }

    fn headers(&mut self, table: &[SchemaRef]) -> Result<Vec<Header>, DecodeError> {
        let n = self.u32()?;
        if n == 0 {
            return Ok(Vec::new());
        }
        let mut headers = Vec::with_capacity(self.cap(n));
        for _ in 0..n {
            let key = self.string()?;
            let schema = self.schema_ref(table)?;
            let value = self.value(schema.as_ref(), 0)?;
            headers.push(Header { key, schema, value });
        }
        Ok(headers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arc(s: Schema) -> SchemaRef {
        Arc::new(s)
    }

    fn prim(t: SchemaType) -> SchemaRef {
        arc(Schema::primitive(t))
    }

    fn partition() -> OffsetMap {
        OffsetMap::from([("filename".to_owned(), OffsetValue::String("/tmp/a".into()))])
    }

    fn source(value_schema: Option<SchemaRef>, value: Value) -> SourceRecord {
        SourceRecord {
            source_partition: partition(),
            source_offset: OffsetMap::from([("position".to_owned(), OffsetValue::Int64(42))]),
            topic: "t".into(),
            kafka_partition: None,
            key_schema: None,
            key: Value::Null,
            value_schema,
            value,
            timestamp: None,
            headers: Vec::new(),
        }
    }

    fn sink(value_schema: Option<SchemaRef>, value: Value) -> SinkRecord {
        SinkRecord {
            topic: "t".into(),
            kafka_partition: 3,
            kafka_offset: 99,
            key_schema: None,
            key: Value::Null,
            value_schema,
            value,
            timestamp: Some(1_700_000_000_000),
            timestamp_type: TimestampType::CreateTime,
            headers: Vec::new(),
        }
    }

    fn round_trip_source(records: &[SourceRecord]) -> Vec<SourceRecord> {
        let bytes = encode_source(records);
        let back = decode_source(&bytes).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, records);
        back
    }

    fn round_trip_sink(records: &[SinkRecord]) -> Vec<SinkRecord> {
        let bytes = encode_sink(records);
        let back = decode_sink(&bytes).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, records);
        back
    }

    fn person() -> SchemaRef {
        arc(Schema::structure([
            ("name".to_owned(), Schema::string()),
            ("age".to_owned(), prim(SchemaType::Int32)),
            ("admin".to_owned(), Schema::optional_string()),
        ])
        .named("com.example.Person"))
    }

    #[test]
    fn every_primitive_round_trips_with_and_without_schema() {
        let cases = [
            (SchemaType::Int8, Value::Int8(-7)),
            (SchemaType::Int16, Value::Int16(-30_000)),
            (SchemaType::Int32, Value::Int32(i32::MIN)),
            (SchemaType::Int64, Value::Int64(i64::MAX)),
            (SchemaType::Float32, Value::Float32(1.5)),
            (SchemaType::Float64, Value::Float64(-2.25e300)),
            (SchemaType::Boolean, Value::Boolean(true)),
            (SchemaType::Boolean, Value::Boolean(false)),
            (SchemaType::String, Value::String("héllo".into())),
            (SchemaType::String, Value::String(String::new())),
            (SchemaType::Bytes, Value::Bytes(vec![0, 255, 1])),
        ];
        for (t, v) in cases {
            round_trip_source(&[source(Some(prim(t)), v.clone())]);
            round_trip_source(&[source(None, v.clone())]);
            round_trip_sink(&[sink(Some(prim(t)), v.clone())]);
            round_trip_sink(&[sink(None, v)]);
        }
    }

    #[test]
    fn empty_batches_round_trip() {
        round_trip_source(&[]);
        round_trip_sink(&[]);
        assert_eq!(encode_source(&[]), b"WCB1\0\0\0\0\0\0\0\0");
    }

    #[test]
    fn schema_with_every_part_and_logical_types_round_trip() {
        let mut full = Schema::primitive(SchemaType::Int64).optional();
        full.name = Some("n".into());
        full.version = Some(3);
        full.doc = Some("docs".into());
        full.parameters = BTreeMap::from([("a".into(), "1".into()), ("b".into(), "".into())]);
        full.default_value = Some(Value::Int64(5));
        let mut decimal =
            Schema::primitive(SchemaType::Bytes).named("org.apache.kafka.connect.data.Decimal");
        decimal.version = Some(1);
        decimal.parameters = BTreeMap::from([("scale".into(), "2".into())]);
        let date = Schema::primitive(SchemaType::Int32).named("org.apache.kafka.connect.data.Date");
        let time = Schema::primitive(SchemaType::Int32).named("org.apache.kafka.connect.data.Time");
        let ts = Schema::primitive(SchemaType::Int64)
            .named("org.apache.kafka.connect.data.Timestamp")
            .optional();
        let records = [
            source(Some(arc(full.clone())), Value::Int64(1)),
            source(Some(arc(full)), Value::Null),
            source(Some(arc(decimal)), Value::Bytes(vec![0x04, 0xd2])),
            source(Some(arc(date)), Value::Int32(19_000)),
            source(Some(arc(time)), Value::Int32(3_600_000)),
            source(Some(arc(ts.clone())), Value::Int64(1_700_000_000_000)),
            source(Some(arc(ts)), Value::Null),
        ];
        let back = round_trip_source(&records);
        // The two `full` records had equal schemas: one table entry, one shared Arc.
        assert!(Arc::ptr_eq(
            back[0].value_schema.as_ref().unwrap(),
            back[1].value_schema.as_ref().unwrap()
        ));
    }

    #[test]
    fn nested_struct_array_map_round_trip() {
        let person = person();
        let tags = arc(Schema::array(Schema::string()));
        let scores = arc(Schema::map(Schema::string(), prim(SchemaType::Float64)).optional());
        let outer = arc(Schema::structure([
            ("who".to_owned(), person.clone()),
            ("tags".to_owned(), tags),
            ("scores".to_owned(), scores),
            (
                "people".to_owned(),
                arc(Schema::array(person.clone()).optional()),
            ),
        ]));
        let p = Struct {
            schema: person.clone(),
            values: vec![
                Value::String("Barbara".into()),
                Value::Int32(75),
                Value::Null,
            ],
        };
        let v = Value::Struct(Struct {
            schema: outer.clone(),
            values: vec![
                Value::Struct(p.clone()),
                Value::Array(vec![Value::String("a".into()), Value::String("b".into())]),
                Value::Map(vec![(Value::String("x".into()), Value::Float64(0.5))]),
                Value::Array(vec![Value::Struct(p.clone()), Value::Struct(p)]),
            ],
        });
        round_trip_source(&[source(Some(outer.clone()), v.clone())]);
        round_trip_sink(&[sink(Some(outer), v)]);
    }

    #[test]
    fn schemaless_nested_values_round_trip() {
        let v = Value::Map(vec![
            (
                Value::String("list".into()),
                Value::Array(vec![Value::Int64(1), Value::Null, Value::Boolean(false)]),
            ),
            (Value::Int32(7), Value::Map(Vec::new())),
        ]);
        round_trip_source(&[source(None, v.clone())]);
        round_trip_sink(&[sink(None, v)]);
    }

    #[test]
    fn struct_default_round_trips() {
        let base = Schema::structure([("a".to_owned(), prim(SchemaType::Int8))]);
        let base_ref = arc(base.clone());
        let mut with_default = base;
        with_default.default_value = Some(Value::Struct(Struct {
            schema: base_ref,
            values: vec![Value::Int8(1)],
        }));
        round_trip_sink(&[sink(Some(arc(with_default)), Value::Null)]);
    }

    #[test]
    fn headers_keys_partitions_timestamps_and_offsets_round_trip() {
        let mut r = source(Some(Schema::string()), Value::String("v".into()));
        r.kafka_partition = Some(-1);
        r.key_schema = Some(Schema::bytes());
        r.key = Value::Bytes(b"k".to_vec());
        r.timestamp = Some(-5);
        r.source_offset = OffsetMap::from([
            ("n".to_owned(), OffsetValue::Null),
            ("b".to_owned(), OffsetValue::Boolean(true)),
            ("i".to_owned(), OffsetValue::Int64(-3)),
            ("f".to_owned(), OffsetValue::Float64(0.25)),
            ("s".to_owned(), OffsetValue::String("x".into())),
            ("y".to_owned(), OffsetValue::Bytes(vec![1, 2])),
        ]);
        r.headers = vec![
            Header {
                key: "h1".into(),
                schema: Some(Schema::string()),
                value: Value::String("one".into()),
            },
            Header {
                key: "h2".into(),
                schema: None,
                value: Value::Int64(2),
            },
            Header {
                key: "h1".into(),
                schema: None,
                value: Value::Null,
            },
        ];
        round_trip_source(&[r.clone(), r]);

        let mut s = sink(Some(Schema::string()), Value::String("v".into()));
        s.key_schema = Some(Schema::optional_string());
        s.timestamp = None;
        s.timestamp_type = TimestampType::NoTimestampType;
        s.headers = vec![Header {
            key: "h".into(),
            schema: Some(prim(SchemaType::Int16)),
            value: Value::Int16(9),
        }];
        let mut s2 = s.clone();
        s2.timestamp_type = TimestampType::LogAppendTime;
        round_trip_sink(&[s, s2]);
    }

    #[test]
    fn schema_table_dedups_by_pointer_then_equality_and_decoded_records_share() {
        let a = person();
        let b = person(); // equal, not the same Arc
        let records: Vec<_> = [a.clone(), a, b]
            .into_iter()
            .map(|s| {
                let mut r = source(Some(s.clone()), Value::Struct(Struct::new(s)));
                if let Value::Struct(st) = &mut r.value {
                    st.values[0] = Value::String("n".into());
                    st.values[1] = Value::Int32(1);
                }
                r.key_schema = Some(Schema::string());
                r.key = Value::String("k".into());
                r
            })
            .collect();
        let bytes = encode_source(&records);
        assert_eq!(u32::from_le_bytes(bytes[4..8].try_into().unwrap()), 2);
        let back = round_trip_source(&records);
        let first = back[0].value_schema.as_ref().unwrap();
        for r in &back {
            assert!(Arc::ptr_eq(first, r.value_schema.as_ref().unwrap()));
            let Value::Struct(st) = &r.value else {
                panic!()
            };
            assert!(Arc::ptr_eq(first, &st.schema));
        }
    }

    #[test]
    fn encode_into_appends() {
        let records = [source(Some(Schema::string()), Value::String("x".into()))];
        let mut buf = b"prefix".to_vec();
        encode_source_into(&records, &mut buf);
        assert_eq!(&buf[..6], b"prefix");
        assert_eq!(decode_source(&buf[6..]).unwrap(), records);
        let sinks = [sink(None, Value::Null)];
        let mut buf = b"p".to_vec();
        encode_sink_into(&sinks, &mut buf);
        assert_eq!(decode_sink(&buf[1..]).unwrap(), sinks);
    }

    // --- rejections -----------------------------------------------------------------------

    fn err_source(bytes: &[u8]) -> DecodeError {
        decode_source(bytes).expect_err("must be rejected")
    }

    fn err_sink(bytes: &[u8]) -> DecodeError {
        decode_sink(bytes).expect_err("must be rejected")
    }

    /// A batch with one schema-table entry and one record, hand-assembled.
    fn one_sink_record(schema: &[u8], value: &[u8]) -> Vec<u8> {
        let mut b = b"WCB1".to_vec();
        b.extend_from_slice(&1u32.to_le_bytes());
        b.extend_from_slice(schema);
        b.extend_from_slice(&1u32.to_le_bytes()); // record count
        b.extend_from_slice(&1u32.to_le_bytes()); // topic "t"
        b.push(b't');
        b.extend_from_slice(&0i32.to_le_bytes()); // partition
        b.extend_from_slice(&0i64.to_le_bytes()); // offset
        b.extend_from_slice(&0u32.to_le_bytes()); // key schema-ref: none
        b.push(0); // key null
        b.extend_from_slice(&1u32.to_le_bytes()); // value schema-ref: entry 0
        b.extend_from_slice(value);
        b.push(0); // no timestamp
        b.push(0); // timestamp type
        b.extend_from_slice(&0u32.to_le_bytes()); // no headers
        b
    }

    #[test]
    fn hand_assembled_batch_decodes() {
        let b = one_sink_record(&[4, 0], &[4, 7, 0, 0, 0, 0, 0, 0, 0]);
        let r = decode_sink(&b).unwrap();
        assert_eq!(r[0].value, Value::Int64(7));
        assert_eq!(b, encode_sink(&r));
    }

    #[test]
    fn rejects_bad_magic() {
        assert_eq!(
            err_source(b"WCB2\0\0\0\0\0\0\0\0").kind,
            DecodeErrorKind::BadMagic
        );
        assert_eq!(err_sink(b"WC").kind, DecodeErrorKind::BadMagic);
        assert_eq!(err_sink(b"").kind, DecodeErrorKind::BadMagic);
    }

    #[test]
    fn rejects_every_truncation() {
        let mut r = source(Some(person()), Value::Null);
        r.value_schema = Some(arc((*person()).clone().optional()));
        r.headers = vec![Header {
            key: "h".into(),
            schema: None,
            value: Value::String("v".into()),
        }];
        let bytes = encode_source(&[r]);
        for len in 0..bytes.len() {
            let e = err_source(&bytes[..len]);
            if len >= 4 {
                assert!(
                    matches!(e.kind, DecodeErrorKind::Truncated { .. }),
                    "{len}: {e}"
                );
                assert!(e.offset <= len, "{len}: {e}");
            }
        }
        let bytes = encode_sink(&[sink(Some(Schema::string()), Value::String("v".into()))]);
        for len in 4..bytes.len() {
            assert!(matches!(
                err_sink(&bytes[..len]).kind,
                DecodeErrorKind::Truncated { .. }
            ));
        }
    }

    #[test]
    fn rejects_trailing_bytes() {
        let mut bytes = encode_sink(&[sink(None, Value::Null)]);
        let len = bytes.len();
        bytes.extend_from_slice(&[0, 0]);
        let e = err_sink(&bytes);
        assert_eq!(e.kind, DecodeErrorKind::TrailingBytes { count: 2 });
        assert_eq!(e.offset, len);
        assert_eq!(
            e.to_string(),
            format!("invalid record batch at byte {len}: 2 bytes left over after the last record")
        );
    }

    #[test]
    fn rejects_unknown_schema_type_and_flags() {
        let e = err_sink(&one_sink_record(&[13, 0], &[0]));
        assert_eq!(e.kind, DecodeErrorKind::UnknownSchemaType(13));
        assert_eq!(e.offset, 8);
        let e = err_sink(&one_sink_record(&[0, 0], &[0]));
        assert_eq!(e.kind, DecodeErrorKind::UnknownSchemaType(0));
        let e = err_sink(&one_sink_record(&[8, 0x40], &[0]));
        assert_eq!(e.kind, DecodeErrorKind::UnknownSchemaFlags(0x40));
        assert_eq!(e.offset, 9);
    }

    #[test]
    fn malformed_schemas_encode_into_rejected_batches() {
        let mut arr = Schema::primitive(SchemaType::Array);
        arr.value_schema = None;
        let bytes = encode_sink(&[sink(Some(arc(arr)), Value::Array(Vec::new()))]);
        assert_eq!(err_sink(&bytes).kind, DecodeErrorKind::UnknownSchemaType(0));
    }

    #[test]
    fn rejects_unknown_value_tag() {
        let mut bytes = encode_sink(&[sink(None, Value::Int8(1))]);
        // Locate the value tag: topic(5) partition(4) offset(8) keyref(4) key(1) valref(4).
        let tag_at = 12 + 5 + 4 + 8 + 4 + 1 + 4;
        assert_eq!(bytes[tag_at], 1);
        bytes[tag_at] = 13;
        let e = err_sink(&bytes);
        assert_eq!(e.kind, DecodeErrorKind::UnknownValueTag(13));
        assert_eq!(e.offset, tag_at);
    }

    #[test]
    fn rejects_bad_bool_opt_and_timestamp_type() {
        let e = err_sink(&one_sink_record(&[7, 0], &[7, 2]));
        assert_eq!(e.kind, DecodeErrorKind::BadBool(2));
        let mut b = one_sink_record(&[8, 0], &[8, 0, 0, 0, 0]);
        let n = b.len();
        b[n - 6] = 3; // timestamp presence byte
        assert_eq!(err_sink(&b).kind, DecodeErrorKind::BadBool(3));
        let mut b = one_sink_record(&[8, 0], &[8, 0, 0, 0, 0]);
        b[n - 5] = 3; // timestamp type
        let e = err_sink(&b);
        assert_eq!(e.kind, DecodeErrorKind::BadTimestampType(3));
        assert_eq!(e.offset, n - 5);
    }

    #[test]
    fn rejects_invalid_utf8() {
        let e = err_sink(&one_sink_record(&[8, 0], &[8, 2, 0, 0, 0, 0xc3, 0x28]));
        assert_eq!(e.kind, DecodeErrorKind::InvalidUtf8);
        let e = err_sink(&one_sink_record(&[8, 2, 1, 0, 0, 0, 0xff], &[0]));
        assert_eq!(e.kind, DecodeErrorKind::InvalidUtf8);
    }

    #[test]
    fn rejects_schema_ref_past_table() {
        let mut b = one_sink_record(&[8, 0], &[8, 0, 0, 0, 0]);
        let at = 12 + 2 + 5 + 4 + 8 + 4 + 1;
        assert_eq!(b[at], 1);
        b[at] = 2;
        let e = err_sink(&b);
        assert_eq!(
            e.kind,
            DecodeErrorKind::BadSchemaRef {
                schema_ref: 2,
                table_len: 1
            }
        );
        assert_eq!(e.offset, at);
    }

    #[test]
    fn rejects_values_not_matching_their_schema() {
        // int32 value under an int64 schema.
        let e = err_sink(&one_sink_record(&[4, 0], &[3, 1, 0, 0, 0]));
        assert_eq!(
            e.kind,
            DecodeErrorKind::TypeMismatch {
                expected: SchemaType::Int64,
                found: SchemaType::Int32
            }
        );
        assert_eq!(
            e.to_string().split(": ").nth(1),
            Some("int32 value under a int64 schema")
        );
        // null under a required schema without default; fine when optional or defaulted.
        let e = err_sink(&one_sink_record(&[8, 0], &[0]));
        assert_eq!(
            e.kind,
            DecodeErrorKind::NullNotAllowed {
                expected: SchemaType::String
            }
        );
        decode_sink(&one_sink_record(&[8, FLAG_OPTIONAL], &[0])).unwrap();
        decode_sink(&one_sink_record(&[8, FLAG_DEFAULT, 8, 0, 0, 0, 0], &[0])).unwrap();
        // A default that does not match its own schema.
        let e = err_sink(&one_sink_record(&[8, FLAG_DEFAULT, 3, 0, 0, 0, 0], &[0]));
        assert!(matches!(e.kind, DecodeErrorKind::TypeMismatch { .. }));
        // Struct field count mismatch.
        let st = [12, 0, 1, 0, 0, 0, 1, 0, 0, 0, b'a', 3, 0];
        let e = err_sink(&one_sink_record(
            &st,
            &[12, 2, 0, 0, 0, 3, 1, 0, 0, 0, 3, 1, 0, 0, 0],
        ));
        assert_eq!(
            e.kind,
            DecodeErrorKind::FieldCount {
                expected: 1,
                found: 2
            }
        );
        decode_sink(&one_sink_record(&st, &[12, 1, 0, 0, 0, 3, 1, 0, 0, 0])).unwrap();
        // Mismatch inside a struct field and inside an array element.
        let e = err_sink(&one_sink_record(&st, &[12, 1, 0, 0, 0, 8, 0, 0, 0, 0]));
        assert!(matches!(e.kind, DecodeErrorKind::TypeMismatch { .. }));
        let e = err_sink(&one_sink_record(&[10, 0, 7, 0], &[10, 1, 0, 0, 0, 0]));
        assert!(matches!(e.kind, DecodeErrorKind::NullNotAllowed { .. }));
        // A struct value without a schema.
        let bytes = encode_sink(&[sink(None, Value::Struct(Struct::new(person())))]);
        assert_eq!(err_sink(&bytes).kind, DecodeErrorKind::StructWithoutSchema);
        // A header value against its schema.
        let mut s = sink(None, Value::Null);
        s.headers = vec![Header {
            key: "h".into(),
            schema: Some(prim(SchemaType::Int8)),
            value: Value::Boolean(true),
        }];
        assert!(matches!(
            err_sink(&encode_sink(&[s])).kind,
            DecodeErrorKind::TypeMismatch { .. }
        ));
    }

    #[test]
    fn rejects_offset_values_outside_the_offset_subset() {
        let r = source(None, Value::Null);
        let mut bytes = encode_source(&[r]);
        // header 12, topic 5, partition opt 1, map n 4, key "filename" 12, then the tag.
        let at = 12 + 5 + 1 + 4 + 12;
        assert_eq!(bytes[at], 8);
        bytes[at] = 3;
        let e = err_source(&bytes);
        assert_eq!(e.kind, DecodeErrorKind::BadOffsetValueTag(3));
        assert_eq!(e.offset, at);
        bytes[at] = 99;
        assert_eq!(
            err_source(&bytes).kind,
            DecodeErrorKind::UnknownValueTag(99)
        );
    }

    #[test]
    fn rejects_deep_nesting_without_overflowing() {
        // Schemaless arrays nested 10 000 deep.
        let mut b = b"WCB1".to_vec();
        b.extend_from_slice(&0u32.to_le_bytes()); // no schemas
        b.extend_from_slice(&1u32.to_le_bytes()); // one record
        b.extend_from_slice(&[0; 4 + 4 + 8]); // topic "", partition, offset
        b.extend_from_slice(&[0, 0, 0, 0, 0]); // key schema-ref, key null
        b.extend_from_slice(&0u32.to_le_bytes()); // value schema-ref
        for _ in 0..10_000 {
            b.extend_from_slice(&[10, 1, 0, 0, 0]);
        }
        assert_eq!(err_sink(&b).kind, DecodeErrorKind::TooDeep);
        // Array schemas nested 10 000 deep.
        let mut b = b"WCB1".to_vec();
        b.extend_from_slice(&1u32.to_le_bytes());
        for _ in 0..10_000 {
            b.extend_from_slice(&[10, 0]);
        }
        assert_eq!(err_sink(&b).kind, DecodeErrorKind::TooDeep);
        // MAX_DEPTH levels of arrays are fine, one more is not.
        let mut v = Value::Int8(1);
        for _ in 0..MAX_DEPTH {
            v = Value::Array(vec![v]);
        }
        round_trip_sink(&[sink(None, v.clone())]);
        let v = Value::Array(vec![v]);
        assert_eq!(
            err_sink(&encode_sink(&[sink(None, v)])).kind,
            DecodeErrorKind::TooDeep
        );
    }

    #[test]
    fn huge_counts_do_not_preallocate() {
        // Claims 2^32-1 schemas, records, elements: must fail fast on truncation.
        let mut b = b"WCB1".to_vec();
        b.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(
            err_sink(&b).kind,
            DecodeErrorKind::Truncated { .. }
        ));
        let mut b = b"WCB1".to_vec();
        b.extend_from_slice(&0u32.to_le_bytes());
        b.extend_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(
            err_sink(&b).kind,
            DecodeErrorKind::Truncated { .. }
        ));
        let e = err_sink(&one_sink_record(&[10, 0, 7, 1], &[10, 255, 255, 255, 255]));
        assert!(matches!(e.kind, DecodeErrorKind::Truncated { .. }));
        let e = err_sink(&one_sink_record(&[8, 0], &[8, 255, 255, 255, 255]));
        assert!(matches!(e.kind, DecodeErrorKind::Truncated { .. }));
    }

    #[test]
    fn hot_path_is_fast() {
        let value = "x".repeat(100);
        let records: Vec<_> = (0..1000)
            .map(|i| {
                let mut r = source(Some(Schema::string()), Value::String(value.clone()));
                r.source_offset = OffsetMap::from([("position".to_owned(), OffsetValue::Int64(i))]);
                r
            })
            .collect();
        let mut buf = Vec::new();
        let start = std::time::Instant::now();
        let rounds = 20;
        for _ in 0..rounds {
            buf.clear();
            encode_source_into(&records, &mut buf);
            let back = decode_source(&buf).unwrap();
            assert_eq!(back.len(), records.len());
        }
        let per_record = start.elapsed() / (rounds * records.len() as u32);
        eprintln!("encode+decode of a 100-byte string record: {per_record:?}");
        // Generous bound so a loaded CI machine does not flake; typical is a few hundred ns.
        if !cfg!(debug_assertions) {
            assert!(
                per_record < std::time::Duration::from_micros(5),
                "{per_record:?}"
            );
        }
    }
}
