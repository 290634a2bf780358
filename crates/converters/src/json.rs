//! `org.apache.kafka.connect.json.JsonConverter`.

use std::collections::BTreeMap;

use wasmconnect_data::{Schema, Value};

use super::{Converter, ConverterError, SchemaAndValue, bool_config, invalid_config};

mod read;
mod write;

use read::{Decoder, Json};
use write::Encoder;

/// How `JsonConverter` writes Decimals (`decimal.format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DecimalFormat {
    /// Base64 of the unscaled two's-complement bytes (`BASE64`, the default).
    #[default]
    Base64,
    /// A JSON number (`NUMERIC`), in `BigDecimal.toString()` form.
    Numeric,
}

/// Connect's `JsonConverter`: JSON with an optional `{"schema": …, "payload": …}` envelope.
///
/// Configs: `schemas.enable` (default true), `decimal.format` (`BASE64` | `NUMERIC`),
/// `replace.null.with.default` (default true), `schemas.cache.size` (default 1000).
#[derive(Debug)]
pub struct JsonConverter {
    schemas_enable: bool,
    encoder: Encoder,
    decoder: Decoder,
}

const SCHEMAS_ENABLE: &str = "schemas.enable";
const SCHEMAS_CACHE_SIZE: &str = "schemas.cache.size";
const DECIMAL_FORMAT: &str = "decimal.format";
const REPLACE_NULL_WITH_DEFAULT: &str = "replace.null.with.default";

impl JsonConverter {
    /// A converter from its configs (prefix stripped). `is_key` is accepted for parity with
    /// Connect's `configure(configs, isKey)`; the JSON format does not depend on it.
    pub fn new(config: &BTreeMap<String, String>, is_key: bool) -> Result<Self, ConverterError> {
        let _ = is_key;
        let schemas_enable = bool_config(config, SCHEMAS_ENABLE, true)?;
        let replace_null_with_default = bool_config(config, REPLACE_NULL_WITH_DEFAULT, true)?;
        let decimal_format = match config.get(DECIMAL_FORMAT) {
            None => DecimalFormat::Base64,
            Some(v) if v.trim().eq_ignore_ascii_case("BASE64") => DecimalFormat::Base64,
            Some(v) if v.trim().eq_ignore_ascii_case("NUMERIC") => DecimalFormat::Numeric,
            Some(v) => {
                return Err(invalid_config(
                    DECIMAL_FORMAT,
                    v,
                    "String must be one of (case insensitive): BASE64, NUMERIC",
                ));
            }
        };
        let cache_size = match config.get(SCHEMAS_CACHE_SIZE) {
            None => 1000,
            Some(v) => v
                .trim()
                .parse::<usize>()
                .map_err(|_| invalid_config(SCHEMAS_CACHE_SIZE, v, "Not a number of type INT"))?,
        };
        Ok(Self {
            schemas_enable,
            encoder: Encoder {
                decimal_format,
                replace_null_with_default,
            },
            decoder: Decoder::new(replace_null_with_default, cache_size),
        })
    }

    /// A converter with default configs and `schemas.enable` as given.
    pub fn with_schemas(schemas_enable: bool) -> Self {
        let config = BTreeMap::from([(SCHEMAS_ENABLE.to_string(), schemas_enable.to_string())]);
        Self::new(&config, false).expect("valid config")
    }
}

impl Converter for JsonConverter {
    fn to_connect(
        &self,
        _topic: &str,
        bytes: Option<&[u8]>,
    ) -> Result<SchemaAndValue, ConverterError> {
        let Some(bytes) = bytes else {
            return Ok(SchemaAndValue::NULL);
        };
        if self.schemas_enable
            && let Some((schema, value)) = self.decoder.envelope_fast(bytes)
        {
            return Ok(SchemaAndValue { schema, value });
        }
        let json = Json::parse(bytes)?;
        if !self.schemas_enable {
            return Ok(SchemaAndValue {
                schema: None,
                value: json.as_ref().map_or(Value::Null, read::schemaless),
            });
        }
        let envelope = match &json {
            Some(envelope @ Json::Object(members)) if members.len() == 2 => envelope,
            _ => return Err(ConverterError::MissingEnvelope),
        };
        let (Some(schema), Some(payload)) = (envelope.get("schema"), envelope.get("payload"))
        else {
            return Err(ConverterError::MissingEnvelope);
        };
        let schema = self.decoder.schema(schema)?;
        let value = self.decoder.value(schema.as_ref(), Some(payload))?;
        self.decoder.remember(bytes, &schema);
        Ok(SchemaAndValue { schema, value })
    }

    fn from_connect(
        &self,
        _topic: &str,
        schema: Option<&Schema>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>, ConverterError> {
        if schema.is_none() && value.is_null() {
            return Ok(None);
        }
        let hint = match value {
            Value::String(s) => s.len() + 8,
            Value::Bytes(b) => b.len() / 3 * 4 + 8,
            _ => 64,
        };
        let mut out = String::with_capacity(hint + if self.schemas_enable { 64 } else { 0 });
        if self.schemas_enable {
            out.push_str("{\"schema\":");
            match schema {
                Some(s) => self.encoder.schema(&mut out, s, None)?,
                None => out.push_str("null"),
            }
            out.push_str(",\"payload\":");
            self.encoder.value(&mut out, schema, value)?;
            out.push('}');
        } else {
            self.encoder.value(&mut out, schema, value)?;
        }
        Ok(Some(out.into_bytes()))
    }
}

#[cfg(test)]
mod tests;
