//! The totals, free of any wasm binding: the component wraps them, and native code (the bench
//! crate's raw fetch, a native twin) computes the same checksum over the same bytes.

use wasmconnect_data::Value;
use wasmconnect_data::batch::ValueRef;

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// Records, bytes and an order-independent checksum of what was received.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Records received.
    pub records: u64,
    /// Key plus value bytes received.
    pub bytes: u64,
    /// Wrapping sum over records of [`record_hash`], so partition interleaving does not matter.
    pub checksum: u64,
}

impl Totals {
    /// Adds one record, given its key and value bytes (`None` = null).
    pub fn add(&mut self, key: Option<&[u8]>, value: Option<&[u8]>) {
        self.records += 1;
        self.bytes += (key.map_or(0, <[u8]>::len) + value.map_or(0, <[u8]>::len)) as u64;
        self.checksum = self.checksum.wrapping_add(record_hash(key, value));
    }

    /// Adds one record given its Connect key and value (see [`value_bytes`]).
    pub fn add_values(&mut self, key: &Value, value: &Value, scratch: &mut Vec<u8>) {
        let mut kbuf = Vec::new();
        let k = value_bytes(key, &mut kbuf);
        let v = value_bytes(value, scratch);
        self.add(k, v);
    }

    /// Adds one record given its key and value as read by reference from a batch: the same
    /// as [`add_values`](Self::add_values) on the owned values.
    pub fn add_refs(&mut self, key: &ValueRef<'_>, value: &ValueRef<'_>, scratch: &mut Vec<u8>) {
        let mut kbuf = Vec::new();
        let k = ref_bytes(key, &mut kbuf);
        let v = ref_bytes(value, scratch);
        self.add(k, v);
    }

    /// The totals as one line of JSON, plus put timing in µs since the epoch.
    pub fn to_json(&self, puts: u64, first_put_us: u64, last_put_us: u64) -> String {
        format!(
            "{{\"records\":{},\"bytes\":{},\"checksum\":\"{:016x}\",\"puts\":{puts},\
             \"first_put_us\":{first_put_us},\"last_put_us\":{last_put_us}}}",
            self.records, self.bytes, self.checksum
        )
    }
}

/// FNV-1a 64 over `len(key)`, `key`, `len(value)`, `value`, each length a u32 (null:
/// `u32::MAX` and no bytes) and each byte string taken 8 bytes at a time as a little-endian
/// u64, its last 0–7 bytes one at a time. Word-wise, it costs the sink an eighth of byte-wise
/// FNV, so the benchmark measures the pipeline more than the checksum.
pub fn record_hash(key: Option<&[u8]>, value: Option<&[u8]>) -> u64 {
    let mut h = FNV_OFFSET;
    let mut mix = |x: u64| {
        h ^= x;
        h = h.wrapping_mul(FNV_PRIME);
    };
    for part in [key, value] {
        match part {
            Some(b) => {
                mix(u64::from(b.len() as u32));
                let mut words = b.chunks_exact(8);
                for w in &mut words {
                    mix(u64::from_le_bytes(w.try_into().unwrap_or_default()));
                }
                for &byte in words.remainder() {
                    mix(u64::from(byte));
                }
            }
            None => mix(u64::from(u32::MAX)),
        }
    }
    h
}

/// The bytes a Connect value stands for: bytes as they are, strings as UTF-8, null as `None`;
/// anything else as its debug text (so a checksum over structs is stable but differs from
/// the serialized bytes a raw consumer sees).
pub fn value_bytes<'a>(value: &'a Value, scratch: &'a mut Vec<u8>) -> Option<&'a [u8]> {
    match value {
        Value::Null => None,
        Value::Bytes(b) => Some(b),
        Value::String(s) => Some(s.as_bytes()),
        other => {
            scratch.clear();
            scratch.extend_from_slice(format!("{other:?}").as_bytes());
            Some(scratch)
        }
    }
}

/// [`value_bytes`] of a value read by reference.
pub fn ref_bytes<'a>(value: &'a ValueRef<'_>, scratch: &'a mut Vec<u8>) -> Option<&'a [u8]> {
    match value {
        ValueRef::Bytes(b) => Some(b),
        ValueRef::String(s) => Some(s.as_bytes()),
        ValueRef::Other(v) => value_bytes(v, scratch),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_ignores_order_but_not_content() {
        let mut a = Totals::default();
        a.add(Some(b"k1"), Some(b"v1"));
        a.add(None, Some(b"v2"));
        let mut b = Totals::default();
        b.add(None, Some(b"v2"));
        b.add(Some(b"k1"), Some(b"v1"));
        assert_eq!(a, b);
        assert_eq!(a.records, 2);
        assert_eq!(a.bytes, 6);
        let mut c = Totals::default();
        c.add(Some(b"k1v"), Some(b"1"));
        c.add(None, Some(b"v2"));
        assert_ne!(a.checksum, c.checksum, "key/value split matters");
        assert_ne!(
            record_hash(None, Some(b"")),
            record_hash(Some(b""), Some(b""))
        );
    }

    #[test]
    fn values_hash_like_their_bytes() {
        let mut a = Totals::default();
        let mut scratch = Vec::new();
        a.add_values(&Value::Null, &Value::String("x".into()), &mut scratch);
        let mut b = Totals::default();
        b.add(None, Some(b"x"));
        assert_eq!(a, b);
        assert!(a.to_json(1, 2, 3).contains("\"records\":1"));
    }
}
