//! `org.apache.kafka.connect.storage.StringConverter`.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use wasmconnect_data::batch::sink_writer::WriteValue;
use wasmconnect_data::{Schema, SchemaRef, Value};

use super::{Converter, ConverterError, SchemaAndValue, invalid_config, java};

/// The character sets `converter.encoding` accepts (Java names and aliases).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Utf8,
    Latin1,
    Ascii,
}

impl Encoding {
    fn from_java_name(name: &str) -> Option<Self> {
        let n = name.trim().to_ascii_uppercase().replace('_', "-");
        Some(match n.as_str() {
            "UTF8" | "UTF-8" => Self::Utf8,
            "ISO-8859-1" | "ISO8859-1" | "LATIN1" | "ISO-LATIN-1" | "L1" => Self::Latin1,
            "US-ASCII" | "ASCII" => Self::Ascii,
            _ => return None,
        })
    }

    /// Java's `String.getBytes(charset)`: unmappable characters become `?`.
    fn encode(self, s: String) -> Vec<u8> {
        let limit = match self {
            Self::Utf8 => return s.into_bytes(),
            Self::Latin1 => 0xff,
            Self::Ascii => 0x7f,
        };
        s.chars()
            .map(|c| {
                if c as u32 <= limit {
                    c as u32 as u8
                } else {
                    b'?'
                }
            })
            .collect()
    }

    /// [`Encoding::decode`] when it is the bytes unchanged: valid UTF-8 in UTF-8, ASCII in
    /// any of them.
    fn as_is(self, bytes: &[u8]) -> Option<&str> {
        match self {
            Self::Utf8 => std::str::from_utf8(bytes).ok(),
            Self::Latin1 | Self::Ascii => bytes
                .is_ascii()
                .then(|| std::str::from_utf8(bytes).ok())
                .flatten(),
        }
    }

    /// Java's `new String(bytes, charset)`: malformed input becomes U+FFFD.
    fn decode(self, bytes: &[u8]) -> String {
        match self {
            Self::Utf8 => match std::str::from_utf8(bytes) {
                Ok(s) => s.to_owned(),
                Err(_) => String::from_utf8_lossy(bytes).into_owned(),
            },
            Self::Latin1 => bytes.iter().map(|&b| char::from(b)).collect(),
            Self::Ascii => bytes
                .iter()
                .map(|&b| {
                    if b.is_ascii() {
                        char::from(b)
                    } else {
                        '\u{fffd}'
                    }
                })
                .collect(),
        }
    }
}

/// Connect's `StringConverter`: a record is the text form of the value.
///
/// `from_connect` ignores the schema and writes strings as they are, other values as Java's
/// `toString()` would print them; `to_connect` always yields an optional string. Config:
/// `converter.encoding` (default `UTF8`; `ISO-8859-1` and `US-ASCII` also work).
#[derive(Debug, Clone)]
pub struct StringConverter {
    encoding: Encoding,
}

const ENCODING: &str = "converter.encoding";

impl StringConverter {
    /// A converter from its configs (prefix stripped). `is_key` does not change the format.
    pub fn new(config: &BTreeMap<String, String>, is_key: bool) -> Result<Self, ConverterError> {
        let _ = is_key;
        let encoding = match config.get(ENCODING) {
            None => Encoding::Utf8,
            Some(name) => Encoding::from_java_name(name).ok_or_else(|| {
                invalid_config(
                    ENCODING,
                    name,
                    "Unsupported encoding; supported: UTF8, ISO-8859-1, US-ASCII",
                )
            })?,
        };
        Ok(Self { encoding })
    }
}

impl Default for StringConverter {
    fn default() -> Self {
        Self {
            encoding: Encoding::Utf8,
        }
    }
}

impl Converter for StringConverter {
    fn to_connect(
        &self,
        _topic: &str,
        bytes: Option<&[u8]>,
    ) -> Result<SchemaAndValue, ConverterError> {
        Ok(SchemaAndValue {
            schema: Some(Schema::optional_string()),
            value: bytes.map_or(Value::Null, |b| Value::String(self.encoding.decode(b))),
        })
    }

    fn to_connect_ref<'s, 'b>(
        &'s self,
        _topic: &str,
        bytes: Option<&'b [u8]>,
    ) -> Option<(Option<&'s SchemaRef>, WriteValue<'b>)> {
        static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(Schema::optional_string);
        let value = match bytes {
            None => WriteValue::Null,
            Some(b) => WriteValue::Str(self.encoding.as_is(b)?),
        };
        Some((Some(&SCHEMA), value))
    }

    fn from_connect(
        &self,
        _topic: &str,
        schema: Option<&Schema>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>, ConverterError> {
        Ok(match value {
            Value::Null => None,
            Value::String(s) if self.encoding == Encoding::Utf8 => Some(s.as_bytes().to_vec()),
            Value::String(s) => Some(self.encoding.encode(s.clone())),
            // Java would print `[B@<hash>`; the bytes themselves are more use.
            Value::Bytes(b) if schema.is_none_or(|s| s.name.is_none()) => Some(b.clone()),
            other => {
                let mut text = String::new();
                java::push_to_string(&mut text, schema, other);
                Some(self.encoding.encode(text))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use wasmconnect_data::{SchemaType, Struct};

    use super::*;

    fn utf8() -> StringConverter {
        StringConverter::default()
    }

    fn text(v: &Value, schema: Option<&Schema>) -> String {
        String::from_utf8(utf8().from_connect("t", schema, v).unwrap().unwrap()).unwrap()
    }

    #[test]
    fn strings_round_trip() {
        let c = utf8();
        for s in ["", "hello", "héllo € 😀", "line\nbreak"] {
            let bytes = c.from_connect("t", None, &Value::String(s.into())).unwrap();
            assert_eq!(bytes.as_deref(), Some(s.as_bytes()));
            let sv = c.to_connect("t", bytes.as_deref()).unwrap();
            assert_eq!(sv.schema, Some(Schema::optional_string()));
            assert_eq!(sv.value, Value::String(s.into()));
            let (schema, value) = c.to_connect_ref("t", bytes.as_deref()).unwrap();
            assert_eq!(schema, sv.schema.as_ref());
            assert!(matches!(value, WriteValue::Str(v) if v == s));
        }
        let sv = c.to_connect("t", None).unwrap();
        assert_eq!(
            (sv.schema, sv.value),
            (Some(Schema::optional_string()), Value::Null)
        );
        assert_eq!(c.from_connect("t", None, &Value::Null).unwrap(), None);
    }

    #[test]
    fn invalid_utf8_is_replaced_like_java() {
        // Kafka: new String({0xff, 'a'}, UTF_8) => "\uFFFDa".
        let sv = utf8().to_connect("t", Some(&[0xff, b'a'])).unwrap();
        assert_eq!(sv.value, Value::String("\u{fffd}a".into()));
        assert!(utf8().to_connect_ref("t", Some(&[0xff, b'a'])).is_none());
    }

    #[test]
    fn other_values_print_like_java_to_string() {
        // Expected strings from Kafka's StringConverter (Java 17).
        assert_eq!(text(&Value::Int32(42), None), "42");
        assert_eq!(text(&Value::Float64(1e10), None), "1.0E10");
        assert_eq!(text(&Value::Boolean(true), None), "true");
        let list = Value::Array(vec![
            Value::Int32(1),
            Value::String("a".into()),
            Value::Null,
        ]);
        assert_eq!(text(&list, None), "[1, a, null]");
        let map = Value::Map(vec![
            (Value::String("k".into()), Value::Int64(1)),
            (
                Value::String("j".into()),
                Value::Array(vec![Value::Float64(1.5), Value::Null, Value::Boolean(true)]),
            ),
        ]);
        assert_eq!(text(&map, None), "{k=1, j=[1.5, null, true]}");

        let decimal = Arc::new(Schema {
            parameters: BTreeMap::from([("scale".into(), "2".into())]),
            ..Schema::primitive(SchemaType::Bytes).named(java::DECIMAL)
        });
        let schema = Arc::new(Schema::structure([
            (
                "id".to_string(),
                Arc::new(Schema::primitive(SchemaType::Int32)),
            ),
            ("name".to_string(), Schema::optional_string()),
            ("price".to_string(), decimal),
        ]));
        let row = Struct {
            schema: schema.clone(),
            values: vec![
                Value::Int32(42),
                Value::Null,
                Value::Bytes(vec![0x00, 0x96]),
            ],
        };
        assert_eq!(
            text(&Value::Struct(row), Some(&schema)),
            "Struct{id=42,price=1.50}"
        );
    }

    #[test]
    fn encodings() {
        let cfg = |e: &str| BTreeMap::from([(ENCODING.to_string(), e.to_string())]);
        let latin1 = StringConverter::new(&cfg("ISO-8859-1"), false).unwrap();
        let out = latin1
            .from_connect("t", None, &Value::String("é€".into()))
            .unwrap();
        assert_eq!(out.as_deref(), Some(&[0xe9, b'?'][..]));
        assert_eq!(
            latin1.to_connect("t", Some(&[0xe9])).unwrap().value,
            Value::String("é".into())
        );
        assert!(latin1.to_connect_ref("t", Some(&[0xe9])).is_none());
        assert!(matches!(
            latin1.to_connect_ref("t", Some(b"abc")),
            Some((Some(_), WriteValue::Str("abc")))
        ));
        assert!(StringConverter::new(&cfg("utf8"), false).is_ok());
        let err = StringConverter::new(&cfg("EBCDIC"), false).unwrap_err();
        assert!(err.to_string().contains("converter.encoding"), "{err}");
    }
}
