//! Java's text forms, where Kafka's bytes depend on them: `Double.toString`,
//! `Float.toString`, `BigDecimal.toString`, `Object.toString` of Connect values, and the type
//! and class names in Connect's error messages.

use std::fmt::Write as _;

use wasmconnect_data::{Schema, SchemaType, Value};

use super::base64;

/// Connect's logical type names.
pub(super) const DECIMAL: &str = "org.apache.kafka.connect.data.Decimal";
pub(super) const DATE: &str = "org.apache.kafka.connect.data.Date";
pub(super) const TIME: &str = "org.apache.kafka.connect.data.Time";
pub(super) const TIMESTAMP: &str = "org.apache.kafka.connect.data.Timestamp";

/// Java's `Schema.Type` constant name (`INT32`, `FLOAT64`, …), as in Connect's messages.
pub(super) fn type_name(t: SchemaType) -> &'static str {
    match t {
        SchemaType::Int8 => "INT8",
        SchemaType::Int16 => "INT16",
        SchemaType::Int32 => "INT32",
        SchemaType::Int64 => "INT64",
        SchemaType::Float32 => "FLOAT32",
        SchemaType::Float64 => "FLOAT64",
        SchemaType::Boolean => "BOOLEAN",
        SchemaType::String => "STRING",
        SchemaType::Bytes => "BYTES",
        SchemaType::Array => "ARRAY",
        SchemaType::Map => "MAP",
        SchemaType::Struct => "STRUCT",
    }
}

/// What `value.getClass()` prints in Java for the Java form of `value`.
pub(super) fn class_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Int8(_) => "class java.lang.Byte",
        Value::Int16(_) => "class java.lang.Short",
        Value::Int32(_) => "class java.lang.Integer",
        Value::Int64(_) => "class java.lang.Long",
        Value::Float32(_) => "class java.lang.Float",
        Value::Float64(_) => "class java.lang.Double",
        Value::Boolean(_) => "class java.lang.Boolean",
        Value::String(_) => "class java.lang.String",
        Value::Bytes(_) => "class [B",
        Value::Array(_) => "class java.util.ArrayList",
        Value::Map(_) => "class java.util.HashMap",
        Value::Struct(_) => "class org.apache.kafka.connect.data.Struct",
    }
}

/// Appends Java's `Double.toString(v)` (`1.0`, `1.0E10`, `1.5E-5`, `NaN`, `-Infinity`).
pub(super) fn push_double(out: &mut String, v: f64) {
    if !v.is_finite() || v == 0.0 {
        return push_special(out, v.is_nan(), v.is_sign_negative(), v == 0.0);
    }
    if v < 0.0 {
        out.push('-');
    }
    let a = v.abs();
    push_decimal(out, &format!("{a:e}"), || format!("{a:.1e}"));
}

/// Appends Java's `Float.toString(v)`.
pub(super) fn push_float(out: &mut String, v: f32) {
    if !v.is_finite() || v == 0.0 {
        return push_special(out, v.is_nan(), v.is_sign_negative(), v == 0.0);
    }
    if v < 0.0 {
        out.push('-');
    }
    let a = v.abs();
    push_decimal(out, &format!("{a:e}"), || format!("{a:.1e}"));
}

fn push_special(out: &mut String, nan: bool, negative: bool, zero: bool) {
    out.push_str(match (nan, negative, zero) {
        (true, _, _) => "NaN",
        (_, false, true) => "0.0",
        (_, true, true) => "-0.0",
        (_, false, false) => "Infinity",
        (_, true, false) => "-Infinity",
    });
}

/// Formats a positive finite number given Rust's shortest `{:e}` form the way Java does:
/// plain for 1e-3 <= v < 1e7, else `d.dddE±n`, always with a fractional digit. Where the
/// shortest form has one digit, Java picks the closest two-digit decimal (`4.9E-324`), which
/// `two_digits` (`{:.1e}`) gives.
fn push_decimal(out: &mut String, shortest: &str, two_digits: impl FnOnce() -> String) {
    let (mut digits, mut exp) = split_sci(shortest);
    let fallback;
    if digits.len() == 1 {
        fallback = two_digits();
        (digits, exp) = split_sci(&fallback);
    }
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    if (-3..7).contains(&exp) {
        if exp >= 0 {
            let int_len = exp as usize + 1;
            if digits.len() > int_len {
                out.push_str(&digits[..int_len]);
                out.push('.');
                out.push_str(&digits[int_len..]);
            } else {
                out.push_str(digits);
                push_zeros(out, int_len - digits.len());
                out.push_str(".0");
            }
        } else {
            out.push_str("0.");
            push_zeros(out, (-exp - 1) as usize);
            out.push_str(digits);
        }
    } else {
        out.push_str(&digits[..1]);
        out.push('.');
        out.push_str(if digits.len() > 1 { &digits[1..] } else { "0" });
        let _ = write!(out, "E{exp}");
    }
}

/// Splits `d.ddde±n` into its digits (no point) and exponent.
fn split_sci(s: &str) -> (String, i32) {
    let (mantissa, exp) = s.split_once('e').unwrap_or((s, "0"));
    (
        mantissa.replace('.', ""),
        exp.parse().expect("Rust's {:e} exponent is an integer"),
    )
}

fn push_zeros(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n('0', n));
}

/// The decimal digits of a two's-complement big-endian integer (Java's `BigInteger(byte[])`),
/// as (negative, digits without sign). An empty array is zero.
pub(super) fn unscaled_digits(bytes: &[u8]) -> (bool, String) {
    let negative = bytes.first().is_some_and(|b| b & 0x80 != 0);
    if bytes.len() <= 16 {
        let mut n: i128 = if negative { -1 } else { 0 };
        for &b in bytes {
            n = (n << 8) | i128::from(b);
        }
        return (negative, n.unsigned_abs().to_string());
    }
    // Magnitude, big-endian: negate the two's complement if negative.
    let mut mag: Vec<u8> = bytes.to_vec();
    if negative {
        let mut carry = true;
        for b in mag.iter_mut().rev() {
            *b = !*b;
            if carry {
                let (s, c) = b.overflowing_add(1);
                *b = s;
                carry = c;
            }
        }
    }
    // Repeated division by 10^9, collecting base-10^9 limbs from the least significant.
    let mut limbs = Vec::new();
    while mag.iter().any(|&b| b != 0) {
        let mut rem: u64 = 0;
        for b in mag.iter_mut() {
            let cur = (rem << 8) | u64::from(*b);
            *b = (cur / 1_000_000_000) as u8;
            rem = cur % 1_000_000_000;
        }
        limbs.push(rem as u32);
    }
    let mut s = String::new();
    match limbs.split_last() {
        None => s.push('0'),
        Some((top, rest)) => {
            let _ = write!(s, "{top}");
            for limb in rest.iter().rev() {
                let _ = write!(s, "{limb:09}");
            }
        }
    }
    (negative, s)
}

/// The minimal two's-complement big-endian bytes of the integer `digits` (ASCII decimal
/// digits, no sign), negated if `negative`: Java's `BigInteger.toByteArray()`.
pub(super) fn unscaled_bytes(negative: bool, digits: &str) -> Vec<u8> {
    // Little-endian base-256 magnitude.
    let mut mag: Vec<u8> = Vec::with_capacity(digits.len() / 2 + 1);
    for d in digits.bytes() {
        let mut carry = u32::from(d - b'0');
        for b in mag.iter_mut() {
            let cur = u32::from(*b) * 10 + carry;
            *b = cur as u8;
            carry = cur >> 8;
        }
        if carry != 0 {
            mag.push(carry as u8);
        }
    }
    while mag.last() == Some(&0) {
        mag.pop();
    }
    mag.push(0); // room for the sign bit
    if negative && mag.iter().any(|&b| b != 0) {
        let mut carry = true;
        for b in mag.iter_mut() {
            *b = !*b;
            if carry {
                let (s, c) = b.overflowing_add(1);
                *b = s;
                carry = c;
            }
        }
    }
    mag.reverse();
    // Drop sign-extension bytes the next byte makes redundant.
    let mut start = 0;
    while start + 1 < mag.len() {
        let (b, next) = (mag[start], mag[start + 1]);
        if (b == 0 && next & 0x80 == 0) || (b == 0xff && next & 0x80 != 0) {
            start += 1;
        } else {
            break;
        }
    }
    mag.drain(..start);
    mag
}

/// Appends Java's `BigDecimal.toString()` of `unscaled × 10^-scale`.
pub(super) fn push_big_decimal(out: &mut String, negative: bool, digits: &str, scale: i32) {
    if negative {
        out.push('-');
    }
    let len = digits.len() as i64;
    let adjusted = -i64::from(scale) + (len - 1);
    if scale >= 0 && adjusted >= -6 {
        let scale = scale as usize;
        if scale == 0 {
            out.push_str(digits);
        } else if digits.len() > scale {
            out.push_str(&digits[..digits.len() - scale]);
            out.push('.');
            out.push_str(&digits[digits.len() - scale..]);
        } else {
            out.push_str("0.");
            push_zeros(out, scale - digits.len());
            out.push_str(digits);
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(out, "E{}{adjusted}", if adjusted >= 0 { "+" } else { "" });
    }
}

/// The `scale` parameter of a Decimal schema (Connect's `Decimal.scale`).
pub(super) fn decimal_scale(schema: &Schema) -> Result<i32, String> {
    let raw = schema
        .parameters
        .get("scale")
        .ok_or("Invalid Decimal schema: scale parameter not found.")?;
    raw.parse()
        .map_err(|_| format!("Invalid Decimal schema: scale parameter {raw} is not an int."))
}

/// Appends Java's `toString()` of the Java form of `value` (what `StringConverter` writes):
/// `[a, b]` for lists, `{k=v}` for maps, `Struct{f=v,…}` (null fields left out) for structs,
/// `BigDecimal.toString()` for Decimals. Bytes, which Java prints as `[B@<hash>`, are written
/// as base64 instead.
pub(super) fn push_to_string(out: &mut String, schema: Option<&Schema>, value: &Value) {
    if let (Some(s), Value::Bytes(b)) = (schema, value)
        && s.name.as_deref() == Some(DECIMAL)
        && let Ok(scale) = decimal_scale(s)
    {
        let (negative, digits) = unscaled_digits(b);
        return push_big_decimal(out, negative, &digits, scale);
    }
    match value {
        Value::Null => out.push_str("null"),
        Value::Int8(v) => {
            let _ = write!(out, "{v}");
        }
        Value::Int16(v) => {
            let _ = write!(out, "{v}");
        }
        Value::Int32(v) => {
            let _ = write!(out, "{v}");
        }
        Value::Int64(v) => {
            let _ = write!(out, "{v}");
        }
        Value::Float32(v) => push_float(out, *v),
        Value::Float64(v) => push_double(out, *v),
        Value::Boolean(v) => out.push_str(if *v { "true" } else { "false" }),
        Value::String(s) => out.push_str(s),
        Value::Bytes(b) => base64::encode_into(b, out),
        Value::Array(items) => {
            let elem = schema.and_then(|s| s.value_schema.as_deref());
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_to_string(out, elem, item);
            }
            out.push(']');
        }
        Value::Map(entries) => {
            let key = schema.and_then(|s| s.key_schema.as_deref());
            let val = schema.and_then(|s| s.value_schema.as_deref());
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_to_string(out, key, k);
                out.push('=');
                push_to_string(out, val, v);
            }
            out.push('}');
        }
        Value::Struct(s) => {
            out.push_str("Struct{");
            let mut first = true;
            for (field, v) in s.schema.fields.iter().zip(&s.values) {
                if v.is_null() {
                    continue;
                }
                if !first {
                    out.push(',');
                }
                first = false;
                out.push_str(&field.name);
                out.push('=');
                push_to_string(out, Some(&field.schema), v);
            }
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(v: f64) -> String {
        let mut s = String::new();
        push_double(&mut s, v);
        s
    }

    fn f(v: f32) -> String {
        let mut s = String::new();
        push_float(&mut s, v);
        s
    }

    #[test]
    fn doubles_print_like_java() {
        // Expected strings from Java 17 `Double.toString`, via Kafka's JsonConverter.
        for (v, java) in [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (1e10, "1.0E10"),
            (1.5e-5, "1.5E-5"),
            (0.001, "0.001"),
            (1234567.0, "1234567.0"),
            (12345678.0, "1.2345678E7"),
            (-0.0, "-0.0"),
            (1e300, "1.0E300"),
            (5e-324, "4.9E-324"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
            (100.25, "100.25"),
            (-2.5, "-2.5"),
            (1e7, "1.0E7"),
            (9999999.0, "9999999.0"),
            (0.000999, "9.99E-4"),
        ] {
            assert_eq!(d(v), java, "{v}");
        }
    }

    #[test]
    fn floats_print_like_java() {
        for (v, java) in [
            (0.1f32, "0.1"),
            (1.0, "1.0"),
            (3.4e38, "3.4E38"),
            (1e-10, "1.0E-10"),
            (16777216.0, "1.6777216E7"),
            (2.5, "2.5"),
        ] {
            assert_eq!(f(v), java, "{v}");
        }
    }

    #[test]
    fn big_integers_round_trip_through_bytes() {
        for (neg, digits, bytes) in [
            (false, "0", vec![0u8]),
            (false, "1234567", vec![0x12, 0xd6, 0x87]),
            (true, "1", vec![0xff]),
            (true, "128", vec![0x80]),
            (false, "128", vec![0x00, 0x80]),
            (false, "150", vec![0x00, 0x96]),
            (true, "129", vec![0xff, 0x7f]),
        ] {
            assert_eq!(unscaled_bytes(neg, digits), bytes, "{digits}");
            assert_eq!(unscaled_digits(&bytes), (neg, digits.to_string()));
        }
        let big = "123456789012345678901234567890123456789012345678901234567890";
        for neg in [false, true] {
            let bytes = unscaled_bytes(neg, big);
            assert!(bytes.len() > 16);
            assert_eq!(unscaled_digits(&bytes), (neg, big.to_string()));
        }
    }

    #[test]
    fn big_decimals_print_like_java() {
        for (neg, digits, scale, java) in [
            (false, "1234567", 2, "12345.67"),
            (true, "1", 2, "-0.01"),
            (false, "1", 9, "1E-9"),
            (false, "123", -2, "1.23E+4"),
            (false, "150", 2, "1.50"),
            (false, "0", 10, "0E-10"),
            (false, "0", 2, "0.00"),
            (false, "42", 0, "42"),
            (false, "1", 6, "0.000001"),
        ] {
            let mut s = String::new();
            push_big_decimal(&mut s, neg, digits, scale);
            assert_eq!(s, java);
        }
    }
}
