//! Kafka's default partitioner for keyed records (`Utils.murmur2`, `Utils.toPositive`).

/// Kafka's `Utils.murmur2`: 32-bit MurmurHash2 with seed `0x9747b28c`, as the Java producer
/// hashes record keys. Must stay bit-for-bit equal to Java, or keyed records change partition.
pub fn murmur2(data: &[u8]) -> i32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;

    let length = data.len();
    let mut h: u32 = SEED ^ (length as u32);
    let chunks = data.chunks_exact(4);
    let tail = chunks.remainder();
    for chunk in chunks {
        let mut k = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    // Java sign-extends each byte (`data[i] & 0xff` only for the 4-byte words), so the tail
    // bytes are masked the same way here: `(data[x] & 0xff) << n`.
    if tail.len() >= 3 {
        h ^= u32::from(tail[2]) << 16;
    }
    if tail.len() >= 2 {
        h ^= u32::from(tail[1]) << 8;
    }
    if !tail.is_empty() {
        h ^= u32::from(tail[0]);
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// Kafka's `Utils.toPositive`: clears the sign bit (not `abs`, which overflows on `i32::MIN`).
pub fn to_positive(n: i32) -> i32 {
    n & 0x7fff_ffff
}

/// The partition Kafka's default partitioner picks for `key`: `toPositive(murmur2(key)) % n`.
///
/// # Panics
/// If `num_partitions` is not positive.
pub fn partition_for_key(key: &[u8], num_partitions: i32) -> i32 {
    assert!(num_partitions > 0, "a topic has at least one partition");
    to_positive(murmur2(key)) % num_partitions
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Vectors from Kafka's `UtilsTest.testMurmur2`, checked against
    /// `org.apache.kafka.common.utils.Utils.murmur2` from kafka-clients 4.1.1.
    #[test]
    fn murmur2_matches_kafka() {
        let cases: &[(&str, i32)] = &[
            ("21", -973_932_308),
            ("foobar", -790_332_482),
            ("a-little-bit-long-string", -985_981_536),
            ("a-little-bit-longer-string", -1_486_304_829),
            (
                "lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8",
                -58_897_971,
            ),
            ("abc", 479_470_107),
            ("", 275_646_681),
            ("a", -1_563_381_124),
            ("ab", 316_155_434),
            ("abcd", -1_323_649_548),
            ("hello world", 1_221_641_059),
        ];
        for &(input, expected) in cases {
            assert_eq!(murmur2(input.as_bytes()), expected, "murmur2({input:?})");
        }
        // High bytes in the tail: Java masks them with 0xff.
        assert_eq!(murmur2(&[0, 1, 2, 255, 128]), -531_731_772);
    }

    #[test]
    fn partition_for_key_matches_default_partitioner() {
        // DefaultPartitionerTest: key {0x61, 0x62, 0x63} ("abc") over 3 partitions.
        assert_eq!(partition_for_key(b"abc", 3), to_positive(479_470_107) % 3);
        assert_eq!(to_positive(-1), i32::MAX);
        assert_eq!(to_positive(i32::MIN), 0);
        for n in 1..50 {
            let p = partition_for_key(b"foobar", n);
            assert!((0..n).contains(&p));
        }
    }
}
