//! Converters: Connect data (`Schema` + `Value`) to and from the bytes of a Kafka record key
//! or value, with Kafka Connect's class names, configs, wire formats and error messages.
//!
//! Converters run natively in the worker, between the sandboxed task and the Kafka client:
//! source side `from_connect`, sink side `to_connect`. Pick one with [`build`]:
//!
//! ```
//! use std::collections::BTreeMap;
//! use wasmconnect_converters::{self as converters, Converter};
//! use wasmconnect_data::{Schema, Value};
//!
//! let config = BTreeMap::from([("schemas.enable".to_string(), "true".to_string())]);
//! let json = converters::build("org.apache.kafka.connect.json.JsonConverter", &config, false)?;
//! let bytes = json.from_connect("t", Some(&Schema::string()), &Value::String("hello".into()))?;
//! assert_eq!(
//!     bytes.as_deref(),
//!     Some(&br#"{"schema":{"type":"string","optional":false},"payload":"hello"}"#[..])
//! );
//! # Ok::<(), converters::ConverterError>(())
//! ```

use std::collections::BTreeMap;

use wasmconnect_data::batch::sink_writer::WriteValue;
use wasmconnect_data::{Schema, SchemaRef, Value};

mod base64;
mod bytearray;
mod java;
mod json;
mod string;

pub use bytearray::ByteArrayConverter;
pub use json::{DecimalFormat, JsonConverter};
pub use string::StringConverter;

/// Kafka's class name of [`JsonConverter`].
pub const JSON_CONVERTER: &str = "org.apache.kafka.connect.json.JsonConverter";
/// Kafka's class name of [`StringConverter`].
pub const STRING_CONVERTER: &str = "org.apache.kafka.connect.storage.StringConverter";
/// Kafka's class name of [`ByteArrayConverter`].
pub const BYTE_ARRAY_CONVERTER: &str = "org.apache.kafka.connect.converters.ByteArrayConverter";

/// The converter classes [`build`] accepts, by their full Kafka names (the simple names
/// `JsonConverter`, `StringConverter` and `ByteArrayConverter` work too).
pub const SUPPORTED: [&str; 3] = [JSON_CONVERTER, STRING_CONVERTER, BYTE_ARRAY_CONVERTER];

/// Turns Connect data into record bytes and back (Connect's `Converter`).
///
/// One instance serves either keys or values (`is_key` in [`build`]) and may be shared by
/// several tasks, hence `Send + Sync`.
pub trait Converter: Send + Sync + std::fmt::Debug {
    /// Bytes to Connect (sink side). `None` bytes are a null record key or value (a
    /// tombstone); every converter turns them into `Value::Null`.
    fn to_connect(
        &self,
        topic: &str,
        bytes: Option<&[u8]>,
    ) -> Result<SchemaAndValue, ConverterError>;

    /// [`Converter::to_connect`] without building the value, for converters whose Connect
    /// data is the record bytes themselves (`ByteArrayConverter`, `StringConverter` on text it
    /// can take as it is): the schema and the value as a reference into `bytes`, which the
    /// sink loop writes into the batch without copying them first. Equal to what
    /// `to_connect` returns when `Some`; `None` (the default) means: call `to_connect`.
    fn to_connect_ref<'s, 'b>(
        &'s self,
        topic: &str,
        bytes: Option<&'b [u8]>,
    ) -> Option<(Option<&'s SchemaRef>, WriteValue<'b>)> {
        let _ = (topic, bytes);
        None
    }

    /// Connect to bytes (source side). `None` means Kafka writes a null key or value. Like
    /// Kafka's, `JsonConverter` only returns `None` for a null value *without* a schema: a null
    /// with a schema becomes an envelope with `"payload":null` (schemas on) or the text `null`.
    #[expect(
        clippy::wrong_self_convention,
        reason = "Connect's name (`fromConnectData`); converters are stateful objects"
    )]
    fn from_connect(
        &self,
        topic: &str,
        schema: Option<&Schema>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>, ConverterError>;
}

/// A value with its schema, as `to_connect` returns it (Connect's `SchemaAndValue`).
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaAndValue {
    /// The schema; `None` for schemaless data.
    pub schema: Option<SchemaRef>,
    /// The value; `Value::Null` for a null.
    pub value: Value,
}

impl SchemaAndValue {
    /// Connect's `SchemaAndValue.NULL`: no schema, null value.
    pub const NULL: SchemaAndValue = SchemaAndValue {
        schema: None,
        value: Value::Null,
    };
}

/// Why a converter could not be built or could not convert a record.
///
/// Conversion messages are Connect's `DataException` messages where Connect has one, so logs
/// and dead-letter headers read the same as under Kafka Connect.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConverterError {
    /// [`build`] was given a class it does not know.
    #[error(
        "unknown converter class `{class}`; supported: {} (or their simple names)",
        SUPPORTED.join(", ")
    )]
    UnknownClass {
        /// The class as given.
        class: String,
    },
    /// A converter config has a value the converter cannot use.
    #[error("Invalid value {value} for configuration {key}: {reason}")]
    InvalidConfig {
        /// The config key, without the `key.converter.` / `value.converter.` prefix.
        key: String,
        /// The value as given.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The bytes are not valid JSON.
    #[error("Converting byte[] to Kafka Connect data failed due to serialization error: {0}")]
    InvalidJson(String),
    /// `JsonConverter` with `schemas.enable=true` got JSON that is not a schema envelope.
    #[error(
        "JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may not \
         contain additional fields. If you are trying to deserialize plain JSON data, set \
         schemas.enable=false in your converter configuration."
    )]
    MissingEnvelope,
    /// The data does not fit its schema or the converter (Connect's `DataException`).
    #[error("{0}")]
    Data(String),
}

/// Builds the converter `class` (a full Kafka class name or its simple name) from its own
/// configs, i.e. with the `key.converter.` / `value.converter.` prefix already stripped.
/// Unknown config keys are ignored, as Connect does.
pub fn build(
    class: &str,
    config: &BTreeMap<String, String>,
    is_key: bool,
) -> Result<Box<dyn Converter>, ConverterError> {
    Ok(match class.trim() {
        JSON_CONVERTER | "JsonConverter" => Box::new(JsonConverter::new(config, is_key)?),
        STRING_CONVERTER | "StringConverter" => Box::new(StringConverter::new(config, is_key)?),
        BYTE_ARRAY_CONVERTER | "ByteArrayConverter" => Box::new(ByteArrayConverter),
        _ => {
            return Err(ConverterError::UnknownClass {
                class: class.to_string(),
            });
        }
    })
}

/// Parses a Kafka `BOOLEAN` config (trimmed, case-insensitive `true` / `false`).
fn bool_config(
    config: &BTreeMap<String, String>,
    key: &str,
    default: bool,
) -> Result<bool, ConverterError> {
    let Some(raw) = config.get(key) else {
        return Ok(default);
    };
    let v = raw.trim();
    if v.eq_ignore_ascii_case("true") {
        Ok(true)
    } else if v.eq_ignore_ascii_case("false") {
        Ok(false)
    } else {
        Err(invalid_config(
            key,
            raw,
            "Expected value to be either true or false",
        ))
    }
}

fn invalid_config(key: &str, value: &str, reason: &str) -> ConverterError {
    ConverterError::InvalidConfig {
        key: key.to_string(),
        value: value.to_string(),
        reason: reason.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn builds_full_and_simple_names() {
        for class in SUPPORTED.iter().copied().chain([
            "JsonConverter",
            "StringConverter",
            "ByteArrayConverter",
        ]) {
            assert!(build(class, &cfg(&[]), false).is_ok(), "{class}");
        }
        let c = build(
            " JsonConverter ",
            &cfg(&[("schemas.enable", "false")]),
            true,
        )
        .unwrap();
        assert!(format!("{c:?}").contains("JsonConverter"));
    }

    #[test]
    fn unknown_class_names_it_and_lists_supported() {
        let err = build("com.example.AvroConverter", &cfg(&[]), false).unwrap_err();
        assert_eq!(
            err,
            ConverterError::UnknownClass {
                class: "com.example.AvroConverter".into()
            }
        );
        let msg = err.to_string();
        assert!(msg.contains("com.example.AvroConverter"), "{msg}");
        for class in SUPPORTED {
            assert!(msg.contains(class), "{msg}");
        }
    }

    #[test]
    fn bad_config_is_reported_with_kafkas_wording() {
        let err = build(JSON_CONVERTER, &cfg(&[("schemas.enable", "yes")]), false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Invalid value yes for configuration schemas.enable: Expected value to be either true or false"
        );
        assert!(
            build(
                JSON_CONVERTER,
                &cfg(&[("schemas.enable", " FALSE ")]),
                false
            )
            .is_ok()
        );
    }

    #[test]
    fn null_bytes_are_null_values_for_every_converter() {
        for class in SUPPORTED {
            let c = build(class, &cfg(&[]), false).unwrap();
            let sv = c.to_connect("t", None).unwrap();
            assert_eq!(sv.value, Value::Null, "{class}");
            if let Some((schema, value)) = c.to_connect_ref("t", None) {
                assert_eq!(schema, sv.schema.as_ref(), "{class}");
                assert!(matches!(value, WriteValue::Null), "{class}");
            }
            assert_eq!(c.from_connect("t", None, &Value::Null).unwrap(), None);
        }
    }
}
