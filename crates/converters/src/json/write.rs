//! Connect → JSON text, written directly (no intermediate tree) in the key order and number
//! and string formats of Kafka's JsonConverter (Jackson).

use std::fmt::Write as _;

use wasmconnect_data::{Schema, SchemaType, Value};

use super::DecimalFormat;
use crate::ConverterError;
use crate::{base64, java};

/// Writes JSON for one converter configuration.
#[derive(Debug, Clone, Copy)]
pub(super) struct Encoder {
    pub(super) decimal_format: DecimalFormat,
    pub(super) replace_null_with_default: bool,
}

fn data(msg: impl Into<String>) -> ConverterError {
    ConverterError::Data(msg.into())
}

fn type_mismatch(t: SchemaType, value: &Value) -> ConverterError {
    data(format!(
        "Invalid type for {}: {}",
        java::type_name(t),
        java::class_of(value)
    ))
}

impl Encoder {
    /// Appends Connect's JSON schema for `schema`; `field` adds the `"field"` key of a struct
    /// field, last, as Kafka does.
    pub(super) fn schema(
        &self,
        out: &mut String,
        schema: &Schema,
        field: Option<&str>,
    ) -> Result<(), ConverterError> {
        out.push_str("{\"type\":\"");
        out.push_str(schema.schema_type.name());
        out.push('"');
        match schema.schema_type {
            SchemaType::Array => {
                out.push_str(",\"items\":");
                self.optional_schema(out, schema.value_schema.as_deref())?;
            }
            SchemaType::Map => {
                out.push_str(",\"keys\":");
                self.optional_schema(out, schema.key_schema.as_deref())?;
                out.push_str(",\"values\":");
                self.optional_schema(out, schema.value_schema.as_deref())?;
            }
            SchemaType::Struct => {
                out.push_str(",\"fields\":[");
                for (i, f) in schema.fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    self.schema(out, &f.schema, Some(&f.name))?;
                }
                out.push(']');
            }
            _ => {}
        }
        out.push_str(if schema.optional {
            ",\"optional\":true"
        } else {
            ",\"optional\":false"
        });
        if let Some(name) = &schema.name {
            out.push_str(",\"name\":");
            push_str(out, name);
        }
        if let Some(version) = schema.version {
            let _ = write!(out, ",\"version\":{version}");
        }
        if let Some(doc) = &schema.doc {
            out.push_str(",\"doc\":");
            push_str(out, doc);
        }
        if !schema.parameters.is_empty() {
            // Kafka keeps insertion order; ours are sorted. Decimal's builder adds `scale`
            // first, so put it first.
            let scale_first = schema.name.as_deref() == Some(java::DECIMAL);
            let first = scale_first
                .then(|| schema.parameters.get_key_value("scale"))
                .flatten();
            out.push_str(",\"parameters\":{");
            let rest = schema
                .parameters
                .iter()
                .filter(|(k, _)| !(scale_first && k.as_str() == "scale"));
            for (i, (k, v)) in first.into_iter().chain(rest).enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_str(out, k);
                out.push(':');
                push_str(out, v);
            }
            out.push('}');
        }
        if let Some(default) = schema.default_value.as_ref().filter(|d| !d.is_null()) {
            out.push_str(",\"default\":");
            self.value(out, Some(schema), default)?;
        }
        if let Some(field) = field {
            out.push_str(",\"field\":");
            push_str(out, field);
        }
        out.push('}');
        Ok(())
    }

    fn optional_schema(
        &self,
        out: &mut String,
        schema: Option<&Schema>,
    ) -> Result<(), ConverterError> {
        match schema {
            Some(s) => self.schema(out, s, None),
            None => {
                out.push_str("null");
                Ok(())
            }
        }
    }

    /// Appends the JSON of `value` (Kafka's `convertToJson`).
    pub(super) fn value(
        &self,
        out: &mut String,
        schema: Option<&Schema>,
        value: &Value,
    ) -> Result<(), ConverterError> {
        let Some(schema) = schema else {
            return self.schemaless(out, value);
        };
        if value.is_null() {
            if self.replace_null_with_default
                && let Some(default) = schema.default_value.as_ref().filter(|d| !d.is_null())
            {
                return self.value(out, Some(schema), default);
            }
            if schema.optional {
                out.push_str("null");
                return Ok(());
            }
            return Err(data(
                "Conversion error: null value for field that is required and has no default value",
            ));
        }
        if schema.name.as_deref() == Some(java::DECIMAL) {
            return self.decimal(out, schema, value);
        }
        // Date, Time and Timestamp are carried as their int32 / int64 form already.
        match (schema.schema_type, value) {
            (SchemaType::Int8, Value::Int8(v)) => push_display(out, v),
            (SchemaType::Int16, Value::Int16(v)) => push_display(out, v),
            (SchemaType::Int32, Value::Int32(v)) => push_display(out, v),
            (SchemaType::Int64, Value::Int64(v)) => push_display(out, v),
            (SchemaType::Float32, Value::Float32(v)) => push_number(out, *v, java::push_float),
            (SchemaType::Float64, Value::Float64(v)) => push_number(out, *v, java::push_double),
            (SchemaType::Boolean, Value::Boolean(v)) => push_bool(out, *v),
            (SchemaType::String, Value::String(s)) => push_str(out, s),
            (SchemaType::Bytes, Value::Bytes(b)) => push_bytes(out, b),
            (SchemaType::Array, Value::Array(items)) => {
                let elem = schema.value_schema.as_deref();
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    self.value(out, elem, item)?;
                }
                out.push(']');
            }
            (SchemaType::Map, Value::Map(entries)) => {
                let Some(key_schema) = schema.key_schema.as_deref() else {
                    return self.schemaless(out, value);
                };
                let value_schema = schema.value_schema.as_deref();
                if key_schema.schema_type == SchemaType::String {
                    out.push('{');
                    for (i, (k, v)) in entries.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        self.key_text(out, key_schema, k)?;
                        out.push(':');
                        self.value(out, value_schema, v)?;
                    }
                    out.push('}');
                } else {
                    out.push('[');
                    for (i, (k, v)) in entries.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        out.push('[');
                        self.value(out, Some(key_schema), k)?;
                        out.push(',');
                        self.value(out, value_schema, v)?;
                        out.push(']');
                    }
                    out.push(']');
                }
            }
            (SchemaType::Struct, Value::Struct(s)) => {
                if !std::ptr::eq(&*s.schema, schema) && *s.schema != *schema {
                    return Err(data("Mismatching schema."));
                }
                self.fields(out, schema, &s.values)?;
            }
            (t, v) => return Err(type_mismatch(t, v)),
        }
        Ok(())
    }

    fn fields(
        &self,
        out: &mut String,
        schema: &Schema,
        values: &[Value],
    ) -> Result<(), ConverterError> {
        out.push('{');
        for (i, field) in schema.fields.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_str(out, &field.name);
            out.push(':');
            self.value(
                out,
                Some(&field.schema),
                values.get(i).unwrap_or(&Value::Null),
            )?;
        }
        out.push('}');
        Ok(())
    }

    /// A map key in object mode: the text of the key's JSON (`asText()` in Kafka).
    fn key_text(
        &self,
        out: &mut String,
        key_schema: &Schema,
        key: &Value,
    ) -> Result<(), ConverterError> {
        match key {
            Value::String(s) => push_str(out, s),
            Value::Null => {
                let mut text = String::new();
                self.value(&mut text, Some(key_schema), key)?;
                if text.starts_with('"') {
                    out.push_str(&text);
                } else {
                    push_str(out, &text);
                }
            }
            other => return Err(type_mismatch(SchemaType::String, other)),
        }
        Ok(())
    }

    fn decimal(
        &self,
        out: &mut String,
        schema: &Schema,
        value: &Value,
    ) -> Result<(), ConverterError> {
        let Value::Bytes(unscaled) = value else {
            return Err(data(format!(
                "Invalid type for Decimal, expected BigDecimal but was {}",
                java::class_of(value)
            )));
        };
        match self.decimal_format {
            DecimalFormat::Base64 => push_bytes(out, unscaled),
            DecimalFormat::Numeric => {
                let scale = java::decimal_scale(schema).map_err(data)?;
                let (negative, digits) = java::unscaled_digits(unscaled);
                java::push_big_decimal(out, negative, &digits, scale);
            }
        }
        Ok(())
    }

    /// JSON for a value without a schema: its type is its own (Kafka's
    /// `ConnectSchema.schemaType(value.getClass())`). A struct uses the schema it carries.
    fn schemaless(&self, out: &mut String, value: &Value) -> Result<(), ConverterError> {
        match value {
            Value::Null => out.push_str("null"),
            Value::Int8(v) => push_display(out, v),
            Value::Int16(v) => push_display(out, v),
            Value::Int32(v) => push_display(out, v),
            Value::Int64(v) => push_display(out, v),
            Value::Float32(v) => push_number(out, *v, java::push_float),
            Value::Float64(v) => push_number(out, *v, java::push_double),
            Value::Boolean(v) => push_bool(out, *v),
            Value::String(s) => push_str(out, s),
            Value::Bytes(b) => push_bytes(out, b),
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    self.schemaless(out, item)?;
                }
                out.push(']');
            }
            Value::Map(entries) => {
                let object_mode = entries.iter().all(|(k, _)| matches!(k, Value::String(_)));
                out.push(if object_mode { '{' } else { '[' });
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    if let (true, Value::String(k)) = (object_mode, k) {
                        push_str(out, k);
                        out.push(':');
                        self.schemaless(out, v)?;
                    } else {
                        out.push('[');
                        self.schemaless(out, k)?;
                        out.push(',');
                        self.schemaless(out, v)?;
                        out.push(']');
                    }
                }
                out.push(if object_mode { '}' } else { ']' });
            }
            Value::Struct(s) => self.fields(out, &s.schema, &s.values)?,
        }
        Ok(())
    }
}

fn push_display(out: &mut String, v: impl std::fmt::Display) {
    let _ = write!(out, "{v}");
}

fn push_bool(out: &mut String, v: bool) {
    out.push_str(if v { "true" } else { "false" });
}

/// A float: a JSON number, or Jackson's quoted `"NaN"`, `"Infinity"`, `"-Infinity"`.
fn push_number<F: Copy + Into<f64>>(out: &mut String, v: F, java: fn(&mut String, F)) {
    let finite = v.into().is_finite();
    if !finite {
        out.push('"');
    }
    java(out, v);
    if !finite {
        out.push('"');
    }
}

fn push_bytes(out: &mut String, b: &[u8]) {
    out.push('"');
    base64::encode_into(b, out);
    out.push('"');
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Appends `s` as a JSON string the way Jackson escapes it: `\"`, `\\`, `\b \t \n \f \r`,
/// other control characters as `\u00XX` (upper-case hex), and characters outside the BMP as
/// an escaped UTF-16 surrogate pair. Everything else, `/` and DEL included, is copied.
pub(super) fn push_str(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let short = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\t' => "\\t",
            b'\r' => "\\r",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f | 0xf0..=0xff => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if !short.is_empty() {
            out.push_str(short);
            start = i + 1;
        } else if b < 0x20 {
            push_u_escape(out, u16::from(b));
            start = i + 1;
        } else {
            // A four-byte UTF-8 sequence: a supplementary character.
            let c = s[i..].chars().next().expect("char boundary") as u32 - 0x1_0000;
            push_u_escape(out, 0xd800 + (c >> 10) as u16);
            push_u_escape(out, 0xdc00 + (c & 0x3ff) as u16);
            start = i + 4;
        }
    }
    out.push_str(&s[start..]);
    out.push('"');
}

fn push_u_escape(out: &mut String, unit: u16) {
    out.push_str("\\u");
    for shift in [12, 8, 4, 0] {
        out.push(HEX[usize::from((unit >> shift) & 0xf)] as char);
    }
}
