//! `org.apache.kafka.connect.converters.ByteArrayConverter`.

use std::sync::LazyLock;

use wasmconnect_data::batch::sink_writer::WriteValue;
use wasmconnect_data::{Schema, SchemaRef, SchemaType, Value};

use super::{Converter, ConverterError, SchemaAndValue, java};

/// Connect's `ByteArrayConverter`: record bytes pass through unchanged as `bytes` values with
/// an optional bytes schema. It has no configs.
#[derive(Debug, Clone, Copy, Default)]
pub struct ByteArrayConverter;

impl Converter for ByteArrayConverter {
    fn to_connect(
        &self,
        _topic: &str,
        bytes: Option<&[u8]>,
    ) -> Result<SchemaAndValue, ConverterError> {
        Ok(SchemaAndValue {
            schema: Some(Schema::optional_bytes()),
            value: bytes.map_or(Value::Null, |b| Value::Bytes(b.to_vec())),
        })
    }

    fn to_connect_ref<'s, 'b>(
        &'s self,
        _topic: &str,
        bytes: Option<&'b [u8]>,
    ) -> Option<(Option<&'s SchemaRef>, WriteValue<'b>)> {
        static SCHEMA: LazyLock<SchemaRef> = LazyLock::new(Schema::optional_bytes);
        Some((
            Some(&SCHEMA),
            bytes.map_or(WriteValue::Null, WriteValue::Bytes),
        ))
    }

    fn from_connect(
        &self,
        _topic: &str,
        schema: Option<&Schema>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>, ConverterError> {
        if let Some(s) = schema
            && s.schema_type != SchemaType::Bytes
        {
            return Err(ConverterError::Data(format!(
                "Invalid schema type for ByteArrayConverter: {}",
                java::type_name(s.schema_type)
            )));
        }
        match value {
            Value::Null => Ok(None),
            Value::Bytes(b) => Ok(Some(b.clone())),
            other => Err(ConverterError::Data(format!(
                "ByteArrayConverter is not compatible with objects of type {}",
                java::class_of(other)
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_pass_through() {
        let c = ByteArrayConverter;
        for b in [&b""[..], b"\x00\xffabc"] {
            let out = c
                .from_connect("t", Some(&Schema::bytes()), &Value::Bytes(b.to_vec()))
                .unwrap();
            assert_eq!(out.as_deref(), Some(b));
            let sv = c.to_connect("t", Some(b)).unwrap();
            assert_eq!(sv.schema, Some(Schema::optional_bytes()));
            assert_eq!(sv.value, Value::Bytes(b.to_vec()));
            let (schema, value) = c.to_connect_ref("t", Some(b)).unwrap();
            assert_eq!(schema, sv.schema.as_ref());
            assert!(matches!(value, WriteValue::Bytes(v) if v == b));
        }
        let sv = c.to_connect("t", None).unwrap();
        assert_eq!(sv.schema, Some(Schema::optional_bytes()));
        assert_eq!(sv.value, Value::Null);
        assert_eq!(c.from_connect("t", None, &Value::Null).unwrap(), None);
    }

    #[test]
    fn other_types_fail_with_kafkas_messages() {
        let c = ByteArrayConverter;
        let err = c
            .from_connect("t", None, &Value::String("x".into()))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "ByteArrayConverter is not compatible with objects of type class java.lang.String"
        );
        let err = c
            .from_connect("t", Some(&Schema::string()), &Value::Bytes(b"x".to_vec()))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Invalid schema type for ByteArrayConverter: STRING"
        );
    }
}
