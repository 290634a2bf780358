//! JSON text → Connect: an order-preserving, borrowing JSON tree, Connect's JSON schemas
//! (with a cache, as Kafka's `toConnectSchemaCache`) and payload conversion.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use wasmconnect_data::{Field, Schema, SchemaRef, SchemaType, Struct, Value};

use crate::{ConverterError, base64, java};

/// A parsed JSON document. Strings borrow from the input unless they contain escapes;
/// object members keep their order (a later duplicate key wins on lookup, as in Jackson).
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Json<'a> {
    Null,
    Bool(bool),
    /// An integer that fits `i64`.
    Int(i64),
    /// An integer above `i64::MAX` that fits `u64`.
    UInt(u64),
    /// Any other integer, as written.
    BigInt(Cow<'a, str>),
    /// A number with a fraction or exponent: its correctly rounded `f64` and its text.
    Float(f64, Cow<'a, str>),
    Str(Cow<'a, str>),
    Array(Vec<Json<'a>>),
    Object(Vec<(Cow<'a, str>, Json<'a>)>),
}

/// Nesting limit, Jackson's default (`StreamReadConstraints`).
const MAX_DEPTH: usize = 1000;

impl<'a> Json<'a> {
    /// Parses `bytes` like Jackson's `ObjectMapper.readTree`: `Ok(None)` for empty (or
    /// all-whitespace) input, a missing node; content after the first value is ignored.
    /// Floats are parsed correctly rounded and keep their text (for exact Decimals).
    pub(super) fn parse(bytes: &'a [u8]) -> Result<Option<Self>, ConverterError> {
        let text = std::str::from_utf8(bytes).map_err(|e| {
            ConverterError::InvalidJson(format!("Invalid UTF-8 at byte {}", e.valid_up_to()))
        })?;
        let mut p = Parser { text, pos: 0 };
        p.skip_ws();
        if p.pos == text.len() {
            return Ok(None);
        }
        p.value(0).map(Some).map_err(ConverterError::InvalidJson)
    }

    /// The member `key` of an object.
    pub(super) fn get(&self, key: &str) -> Option<&Json<'a>> {
        match self {
            Json::Object(members) => members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Jackson's `JsonNodeType` name, as in Connect's messages.
    pub(super) fn node_type(&self) -> &'static str {
        match self {
            Json::Null => "NULL",
            Json::Bool(_) => "BOOLEAN",
            Json::Int(_) | Json::UInt(_) | Json::BigInt(_) | Json::Float(..) => "NUMBER",
            Json::Str(_) => "STRING",
            Json::Array(_) => "ARRAY",
            Json::Object(_) => "OBJECT",
        }
    }

    fn into_owned(self) -> Json<'static> {
        fn own(s: Cow<'_, str>) -> Cow<'static, str> {
            Cow::Owned(s.into_owned())
        }
        match self {
            Json::Null => Json::Null,
            Json::Bool(b) => Json::Bool(b),
            Json::Int(i) => Json::Int(i),
            Json::UInt(u) => Json::UInt(u),
            Json::BigInt(s) => Json::BigInt(own(s)),
            Json::Float(f, s) => Json::Float(f, own(s)),
            Json::Str(s) => Json::Str(own(s)),
            Json::Array(items) => Json::Array(items.into_iter().map(Json::into_owned).collect()),
            Json::Object(members) => Json::Object(
                members
                    .into_iter()
                    .map(|(k, v)| (own(k), v.into_owned()))
                    .collect(),
            ),
        }
    }

    fn hash_into<H: Hasher>(&self, h: &mut H) {
        std::mem::discriminant(self).hash(h);
        match self {
            Json::Null => {}
            Json::Bool(b) => b.hash(h),
            Json::Int(i) => i.hash(h),
            Json::UInt(u) => u.hash(h),
            Json::BigInt(s) | Json::Float(_, s) | Json::Str(s) => s.hash(h),
            Json::Array(items) => {
                items.len().hash(h);
                items.iter().for_each(|i| i.hash_into(h));
            }
            Json::Object(members) => {
                members.len().hash(h);
                for (k, v) in members {
                    k.hash(h);
                    v.hash_into(h);
                }
            }
        }
    }
}

/// A strict RFC 8259 recursive-descent parser over validated UTF-8.
struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes().get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn unexpected(&self, expected: &str) -> String {
        match self.text[self.pos..].chars().next() {
            Some(c) => format!(
                "Unexpected character ('{c}' (code {})): expected {expected} at byte {}",
                c as u32, self.pos
            ),
            None => format!("Unexpected end-of-input: expected {expected}"),
        }
    }

    fn expect(&mut self, b: u8, what: &str) -> Result<(), String> {
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.unexpected(what))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json<'a>, String> {
        if depth > MAX_DEPTH {
            return Err(format!(
                "Document nesting depth exceeds the maximum allowed ({MAX_DEPTH})"
            ));
        }
        match self.peek() {
            Some(b'{') => {
                self.pos += 1;
                let mut members = Vec::new();
                self.skip_ws();
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                    return Ok(Json::Object(members));
                }
                loop {
                    self.skip_ws();
                    if self.peek() != Some(b'"') {
                        return Err(self.unexpected("double-quote to start field name"));
                    }
                    let key = self.string()?;
                    self.skip_ws();
                    self.expect(b':', "a colon to separate field name and value")?;
                    self.skip_ws();
                    let value = self.value(depth + 1)?;
                    members.push((key, value));
                    self.skip_ws();
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b'}') => {
                            self.pos += 1;
                            return Ok(Json::Object(members));
                        }
                        _ => return Err(self.unexpected("comma or '}' in an object")),
                    }
                }
            }
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                self.skip_ws();
                if self.peek() == Some(b']') {
                    self.pos += 1;
                    return Ok(Json::Array(items));
                }
                loop {
                    self.skip_ws();
                    items.push(self.value(depth + 1)?);
                    self.skip_ws();
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(Json::Array(items));
                        }
                        _ => return Err(self.unexpected("comma or ']' in an array")),
                    }
                }
            }
            Some(b'"') => self.string().map(Json::Str),
            Some(b't') => self.literal("true", Json::Bool(true)),
            Some(b'f') => self.literal("false", Json::Bool(false)),
            Some(b'n') => self.literal("null", Json::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.unexpected("a JSON value")),
        }
    }

    fn literal(&mut self, word: &str, value: Json<'a>) -> Result<Json<'a>, String> {
        if self.text[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.unexpected(&format!("'{word}'")))
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Json<'a>, String> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let int_start = self.pos;
        match self.digits() {
            0 => return Err(self.unexpected("a digit")),
            n if n > 1 && self.bytes()[int_start] == b'0' => {
                return Err(format!(
                    "Invalid numeric value: Leading zeroes not allowed at byte {int_start}"
                ));
            }
            _ => {}
        }
        let mut float = false;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            float = true;
            if self.digits() == 0 {
                return Err(self.unexpected("a digit after the decimal point"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            float = true;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.unexpected("a digit in the exponent"));
            }
        }
        let text = &self.text[start..self.pos];
        if float {
            let f = text.parse::<f64>().map_err(|e| e.to_string())?;
            return Ok(Json::Float(f, Cow::Borrowed(text)));
        }
        Ok(match text.parse::<i64>() {
            Ok(i) => Json::Int(i),
            Err(_) => match text.parse::<u64>() {
                Ok(u) => Json::UInt(u),
                Err(_) => Json::BigInt(Cow::Borrowed(text)),
            },
        })
    }

    /// A string at `"`; borrowed unless it has escapes.
    fn string(&mut self) -> Result<Cow<'a, str>, String> {
        self.pos += 1;
        let start = self.pos;
        let bytes = self.bytes();
        loop {
            match bytes.get(self.pos) {
                None => return Err("Unexpected end-of-input in a string".into()),
                Some(b'"') => {
                    let s = &self.text[start..self.pos];
                    self.pos += 1;
                    return Ok(Cow::Borrowed(s));
                }
                Some(b'\\') => break,
                Some(&b) if b < 0x20 => return Err(self.control_char(b)),
                Some(_) => self.pos += 1,
            }
        }
        let mut out = String::from(&self.text[start..self.pos]);
        loop {
            let run = self.pos;
            while let Some(&b) = bytes.get(self.pos) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(&self.text[run..self.pos]);
            match bytes.get(self.pos) {
                None => return Err("Unexpected end-of-input in a string".into()),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(Cow::Owned(out));
                }
                Some(&b) if b < 0x20 => return Err(self.control_char(b)),
                Some(_) => {
                    self.pos += 1;
                    let esc = bytes.get(self.pos).copied();
                    self.pos += 1;
                    match esc {
                        Some(b'"') => out.push('"'),
                        Some(b'\\') => out.push('\\'),
                        Some(b'/') => out.push('/'),
                        Some(b'b') => out.push('\u{8}'),
                        Some(b'f') => out.push('\u{c}'),
                        Some(b'n') => out.push('\n'),
                        Some(b'r') => out.push('\r'),
                        Some(b't') => out.push('\t'),
                        Some(b'u') => {
                            let hi = self.hex4()?;
                            let c = if (0xd800..0xdc00).contains(&hi)
                                && self.text[self.pos..].starts_with("\\u")
                            {
                                let save = self.pos;
                                self.pos += 2;
                                let lo = self.hex4()?;
                                if (0xdc00..0xe000).contains(&lo) {
                                    char::from_u32(0x1_0000 + ((hi - 0xd800) << 10) + (lo - 0xdc00))
                                } else {
                                    self.pos = save;
                                    None
                                }
                            } else {
                                char::from_u32(hi)
                            };
                            // A lone surrogate has no UTF-8 form.
                            out.push(c.unwrap_or('\u{fffd}'));
                        }
                        _ => {
                            self.pos -= 1;
                            return Err(self.unexpected("a valid escape"));
                        }
                    }
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let hex = self
            .text
            .get(self.pos..self.pos + 4)
            .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| self.unexpected("4 hex digits in a \\u escape"))?;
        self.pos += 4;
        Ok(u32::from_str_radix(hex, 16).expect("hex digits"))
    }

    fn control_char(&self, b: u8) -> String {
        format!(
            "Illegal unquoted character ((CTRL-CHAR, code {b})): has to be escaped using backslash to be included in string value at byte {}",
            self.pos
        )
    }
}

/// Converts parsed JSON to Connect for one converter configuration.
#[derive(Debug)]
pub(super) struct Decoder {
    replace_null_with_default: bool,
    cache_size: usize,
    /// JSON schema → Connect schema, keyed by the JSON's hash. Cleared when full.
    cache: Mutex<HashMap<u64, (Json<'static>, SchemaRef)>>,
    /// The text of the last envelope's schema and its Connect schema: a producer repeats
    /// the same schema text in every record, so an envelope starting with
    /// `{"schema":<that text>,"payload":` needs only its payload parsed.
    last: Mutex<Option<(Box<str>, Option<SchemaRef>)>>,
}

const HEAD: &str = "{\"schema\":";
const MID: &str = ",\"payload\":";

fn data(msg: impl Into<String>) -> ConverterError {
    ConverterError::Data(msg.into())
}

impl Decoder {
    pub(super) fn new(replace_null_with_default: bool, cache_size: usize) -> Self {
        Self {
            replace_null_with_default,
            cache_size,
            cache: Mutex::default(),
            last: Mutex::default(),
        }
    }

    /// The envelope in `bytes` if its schema is, as text, the last one seen: `None` sends
    /// the caller down the full parse (which also gives the canonical error messages).
    pub(super) fn envelope_fast(&self, bytes: &[u8]) -> Option<(Option<SchemaRef>, Value)> {
        let schema = {
            let last = self.last.lock().unwrap_or_else(|e| e.into_inner());
            let (text, schema) = last.as_ref()?;
            let rest = bytes
                .strip_prefix(HEAD.as_bytes())?
                .strip_prefix(text.as_bytes())?
                .strip_prefix(MID.as_bytes())?;
            (schema.clone(), rest)
        };
        let (schema, rest) = schema;
        let text = std::str::from_utf8(rest).ok()?;
        let mut p = Parser { text, pos: 0 };
        p.skip_ws();
        let payload = p.value(1).ok()?;
        p.skip_ws();
        p.expect(b'}', "").ok()?;
        let value = self.value(schema.as_ref(), Some(&payload)).ok()?;
        Some((schema, value))
    }

    /// Remembers the schema text of `bytes`, a valid envelope whose schema is `schema`, for
    /// [`Self::envelope_fast`]. Only the compact form `{"schema":…,"payload":…}` qualifies.
    pub(super) fn remember(&self, bytes: &[u8], schema: &Option<SchemaRef>) {
        let Some(rest) = bytes.strip_prefix(HEAD.as_bytes()) else {
            return;
        };
        let Ok(text) = std::str::from_utf8(rest) else {
            return;
        };
        let mut p = Parser { text, pos: 0 };
        if p.value(1).is_err() || !text[p.pos..].starts_with(MID) {
            return;
        }
        let raw: Box<str> = text[..p.pos].into();
        *self.last.lock().unwrap_or_else(|e| e.into_inner()) = Some((raw, schema.clone()));
    }

    /// The Connect schema of an envelope's `"schema"`; `None` for JSON `null`.
    pub(super) fn schema(&self, json: &Json<'_>) -> Result<Option<SchemaRef>, ConverterError> {
        if matches!(json, Json::Null) {
            return Ok(None);
        }
        if self.cache_size == 0 {
            return self.build_schema(json).map(Some);
        }
        let mut h = std::collections::hash_map::DefaultHasher::new();
        json.hash_into(&mut h);
        let key = h.finish();
        {
            let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((cached_json, schema)) = cache.get(&key)
                && cached_json == json
            {
                return Ok(Some(schema.clone()));
            }
        }
        let schema = self.build_schema(json)?;
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= self.cache_size {
            cache.clear();
        }
        cache.insert(key, (json.clone().into_owned(), schema.clone()));
        Ok(Some(schema))
    }

    /// Kafka's `asConnectSchema`, with its messages.
    fn build_schema(&self, json: &Json<'_>) -> Result<SchemaRef, ConverterError> {
        let type_name = match json.get("type") {
            Some(Json::Str(t)) => t,
            _ => return Err(data("Schema must contain 'type' field")),
        };
        let schema_type = (1..=12)
            .filter_map(SchemaType::from_code)
            .find(|t| t.name() == type_name.as_ref())
            .ok_or_else(|| data(format!("Unknown schema type: {type_name}")))?;
        let mut schema = Schema::primitive(schema_type);
        match schema_type {
            SchemaType::Array => match json.get("items") {
                Some(items) if !matches!(items, Json::Null) => {
                    schema.value_schema = Some(self.build_schema(items)?);
                }
                _ => return Err(data("Array schema did not specify the element type")),
            },
            SchemaType::Map => {
                let keys = json
                    .get("keys")
                    .ok_or_else(|| data("Map schema did not specify the key type"))?;
                let values = json
                    .get("values")
                    .ok_or_else(|| data("Map schema did not specify the value type"))?;
                schema.key_schema = Some(self.build_schema(keys)?);
                schema.value_schema = Some(self.build_schema(values)?);
            }
            SchemaType::Struct => {
                let Some(Json::Array(fields)) = json.get("fields") else {
                    return Err(data("Struct schema's \"fields\" argument is not an array."));
                };
                for field in fields {
                    let Some(Json::Str(name)) = field.get("field") else {
                        return Err(data("Struct schema's field name not specified properly"));
                    };
                    if schema.field(name).is_some() {
                        return Err(data(format!(
                            "Cannot create field because of field name duplication {name}"
                        )));
                    }
                    schema.fields.push(Field {
                        name: name.to_string(),
                        index: schema.fields.len(),
                        schema: self.build_schema(field)?,
                    });
                }
            }
            _ => {}
        }
        schema.optional = matches!(json.get("optional"), Some(Json::Bool(true)));
        if let Some(Json::Str(name)) = json.get("name") {
            schema.name = Some(name.to_string());
        }
        match json.get("version") {
            Some(Json::Int(v)) => schema.version = Some(*v as i32),
            Some(Json::UInt(v)) => schema.version = Some(*v as i32),
            Some(Json::BigInt(v)) => schema.version = Some(wrapping_i64(v) as i32),
            _ => {}
        }
        if let Some(Json::Str(doc)) = json.get("doc") {
            schema.doc = Some(doc.to_string());
        }
        if let Some(Json::Object(params)) = json.get("parameters") {
            for (k, v) in params {
                let Json::Str(v) = v else {
                    return Err(data("Schema parameters must have string values."));
                };
                schema.parameters.insert(k.to_string(), v.to_string());
            }
        }
        if let Some(default) = json.get("default") {
            let schema_ref = Arc::new(schema.clone());
            let value = self.value(Some(&schema_ref), Some(default))?;
            if !value.is_null() {
                schema.default_value = Some(value);
            }
        }
        Ok(Arc::new(schema))
    }

    /// Kafka's `convertToConnect`: the Connect value of `json` (`None`: the member is
    /// missing) under `schema`, or inferred without one.
    pub(super) fn value(
        &self,
        schema: Option<&SchemaRef>,
        json: Option<&Json<'_>>,
    ) -> Result<Value, ConverterError> {
        let Some(schema) = schema else {
            return Ok(json.map_or(Value::Null, schemaless));
        };
        let json = match json {
            Some(j) if !matches!(j, Json::Null) => j,
            _ => {
                if self.replace_null_with_default
                    && let Some(default) = &schema.default_value
                {
                    return Ok(default.clone());
                }
                if schema.optional {
                    return Ok(Value::Null);
                }
                return Err(data(format!(
                    "Invalid null value for required {} field",
                    java::type_name(schema.schema_type)
                )));
            }
        };
        if let Some(name) = schema.name.as_deref() {
            match name {
                java::DECIMAL => return decimal(schema, json),
                java::DATE | java::TIME => {
                    return match json {
                        Json::Int(i) if i32::try_from(*i).is_ok() => Ok(Value::Int32(*i as i32)),
                        other => Err(data(format!(
                            "Invalid type for {}, underlying representation should be integer but was {}",
                            if name == java::DATE { "Date" } else { "Time" },
                            other.node_type()
                        ))),
                    };
                }
                java::TIMESTAMP => {
                    return match json {
                        Json::Int(i) => Ok(Value::Int64(*i)),
                        Json::UInt(u) => Ok(Value::Int64(*u as i64)),
                        Json::BigInt(b) => Ok(Value::Int64(wrapping_i64(b))),
                        other => Err(data(format!(
                            "Invalid type for Timestamp, underlying representation should be integral but was {}",
                            other.node_type()
                        ))),
                    };
                }
                _ => {}
            }
        }
        let t = schema.schema_type;
        let mismatch = || {
            data(format!(
                "Invalid JSON {} for a field of type {}",
                json.node_type(),
                java::type_name(t)
            ))
        };
        Ok(match t {
            SchemaType::Boolean => match json {
                Json::Bool(b) => Value::Boolean(*b),
                _ => return Err(mismatch()),
            },
            // Java's narrowing: `(byte) node.intValue()` etc.
            SchemaType::Int8 => Value::Int8(as_i64(json).ok_or_else(mismatch)? as i32 as i8),
            SchemaType::Int16 => Value::Int16(as_i64(json).ok_or_else(mismatch)? as i32 as i16),
            SchemaType::Int32 => Value::Int32(as_i64(json).ok_or_else(mismatch)? as i32),
            SchemaType::Int64 => Value::Int64(as_i64(json).ok_or_else(mismatch)?),
            SchemaType::Float32 => Value::Float32(as_f64(json).ok_or_else(mismatch)? as f32),
            SchemaType::Float64 => Value::Float64(as_f64(json).ok_or_else(mismatch)?),
            SchemaType::String => match json {
                Json::Str(s) => Value::String(s.to_string()),
                _ => return Err(mismatch()),
            },
            SchemaType::Bytes => match json {
                Json::Str(s) => {
                    Value::Bytes(base64::decode(s).ok_or_else(|| data("Invalid bytes field"))?)
                }
                _ => return Err(mismatch()),
            },
            SchemaType::Array => match json {
                Json::Array(items) => {
                    let elem = schema.value_schema.as_ref();
                    Value::Array(
                        items
                            .iter()
                            .map(|i| self.value(elem, Some(i)))
                            .collect::<Result<_, _>>()?,
                    )
                }
                _ => return Err(mismatch()),
            },
            SchemaType::Map => self.map(schema, json)?,
            SchemaType::Struct => {
                if !matches!(json, Json::Object(_)) {
                    return Err(data(format!(
                        "Structs should be encoded as JSON objects, but found {}",
                        json.node_type()
                    )));
                }
                let values = schema
                    .fields
                    .iter()
                    .map(|f| self.value(Some(&f.schema), json.get(&f.name)))
                    .collect::<Result<_, _>>()?;
                Value::Struct(Struct {
                    schema: schema.clone(),
                    values,
                })
            }
        })
    }

    fn map(&self, schema: &SchemaRef, json: &Json<'_>) -> Result<Value, ConverterError> {
        let key_schema = schema.key_schema.as_ref();
        let value_schema = schema.value_schema.as_ref();
        let mut entries = Vec::new();
        if key_schema.is_none_or(|k| k.schema_type == SchemaType::String) {
            let Json::Object(members) = json else {
                return Err(data(format!(
                    "Maps with string fields should be encoded as JSON objects, but found {}",
                    json.node_type()
                )));
            };
            entries.reserve(members.len());
            for (k, v) in members {
                entries.push((
                    Value::String(k.to_string()),
                    self.value(value_schema, Some(v))?,
                ));
            }
        } else {
            let Json::Array(pairs) = json else {
                return Err(data(format!(
                    "Maps with non-string fields should be encoded as JSON array of tuples, but found {}",
                    json.node_type()
                )));
            };
            entries.reserve(pairs.len());
            for pair in pairs {
                let Json::Array(kv) = pair else {
                    return Err(data(format!(
                        "Found invalid map entry instead of array tuple: {}",
                        pair.node_type()
                    )));
                };
                let [k, v] = kv.as_slice() else {
                    return Err(data(format!(
                        "Found invalid map entry, expected length 2 but found :{}",
                        kv.len()
                    )));
                };
                entries.push((
                    self.value(key_schema, Some(k))?,
                    self.value(value_schema, Some(v))?,
                ));
            }
        }
        Ok(Value::Map(entries))
    }
}

/// A value inferred without a schema: integers → int64, other numbers → float64, objects →
/// maps with string keys.
pub(super) fn schemaless(json: &Json<'_>) -> Value {
    match json {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Boolean(*b),
        Json::Int(i) => Value::Int64(*i),
        Json::UInt(u) => Value::Int64(*u as i64),
        Json::BigInt(b) => Value::Int64(wrapping_i64(b)),
        Json::Float(f, _) => Value::Float64(*f),
        Json::Str(s) => Value::String(s.to_string()),
        Json::Array(items) => Value::Array(items.iter().map(schemaless).collect()),
        Json::Object(members) => Value::Map(
            members
                .iter()
                .map(|(k, v)| (Value::String(k.to_string()), schemaless(v)))
                .collect(),
        ),
    }
}

fn as_i64(json: &Json<'_>) -> Option<i64> {
    match json {
        Json::Int(i) => Some(*i),
        Json::UInt(u) => Some(*u as i64),
        Json::BigInt(b) => Some(wrapping_i64(b)),
        Json::Float(f, _) => Some(*f as i64),
        _ => None,
    }
}

/// A float: any JSON number, or the strings Jackson writes for non-finite values.
fn as_f64(json: &Json<'_>) -> Option<f64> {
    match json {
        Json::Int(i) => Some(*i as f64),
        Json::UInt(u) => Some(*u as f64),
        Json::BigInt(b) | Json::Float(_, b) => b.parse().ok(),
        Json::Str(s) => match s.as_ref() {
            "NaN" => Some(f64::NAN),
            "Infinity" => Some(f64::INFINITY),
            "-Infinity" => Some(f64::NEG_INFINITY),
            _ => None,
        },
        _ => None,
    }
}

/// The low 64 bits of a big integer's two's complement, as Java's `BigInteger.longValue()`.
fn wrapping_i64(text: &str) -> i64 {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, text),
    };
    let n = digits.bytes().fold(0u64, |n, d| {
        n.wrapping_mul(10).wrapping_add(u64::from(d - b'0'))
    });
    if negative {
        n.wrapping_neg() as i64
    } else {
        n as i64
    }
}

/// Most zeros a NUMERIC Decimal may be padded with to reach its schema's scale.
const MAX_RESCALE: i64 = 10_000;

/// A Decimal: base64 of the unscaled bytes, or (`decimal.format=NUMERIC`) a JSON number,
/// taken exactly from its text and rescaled to the schema's scale; a number with more
/// fractional digits than that scale fails.
fn decimal(schema: &Schema, json: &Json<'_>) -> Result<Value, ConverterError> {
    let text = match json {
        Json::Str(s) => {
            return base64::decode(s)
                .map(Value::Bytes)
                .ok_or_else(|| data("Invalid bytes for Decimal field"));
        }
        Json::Int(i) => Cow::Owned(i.to_string()),
        Json::UInt(u) => Cow::Owned(u.to_string()),
        Json::BigInt(t) | Json::Float(_, t) => Cow::Borrowed(t.as_ref()),
        other => {
            return Err(data(format!(
                "Invalid type for Decimal, underlying representation should be numeric or bytes but was {}",
                other.node_type()
            )));
        }
    };
    // -?int(.frac)?([eE][+-]?exp)?, as the parser checked.
    let (negative, text) = match text.strip_prefix('-') {
        Some(t) => (true, t),
        None => (false, text.as_ref()),
    };
    let (mantissa, exp) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], text[i + 1..].parse::<i64>().unwrap_or(i64::MAX)),
        None => (text, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mut digits: String = int.chars().chain(frac.chars()).collect();
    let scale = (frac.len() as i64).saturating_sub(exp);
    let target = i64::from(java::decimal_scale(schema).map_err(data)?);
    if scale < target {
        let pad = target - scale;
        if pad > MAX_RESCALE {
            return Err(data(format!(
                "Decimal value is out of range for the schema's scale {target}"
            )));
        }
        digits.extend(std::iter::repeat_n('0', pad as usize));
    } else if scale > target {
        let drop = usize::try_from(scale - target).unwrap_or(usize::MAX);
        let keep = digits.len().saturating_sub(drop);
        if digits[keep..].bytes().any(|b| b != b'0') {
            return Err(data(format!(
                "Decimal value has more fractional digits than the schema's scale {target}"
            )));
        }
        digits.truncate(keep);
    }
    let digits = digits.trim_start_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    Ok(Value::Bytes(java::unscaled_bytes(negative, digits)))
}
