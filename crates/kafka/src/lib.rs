//! Kafka I/O for the worker: produce for source tasks and fetch for sink tasks through
//! rskafka; consumer-group offset commits through `kafka-protocol` (rskafka has no group API)
//! over one multiplexed connection per broker that sends each request at the highest version
//! both sides support (`wire`); and Kafka's default partitioner, so keyed records land where a
//! Java producer puts them.

mod cluster;
mod consumer;
mod error;
mod group_offsets;
mod partitioner;
mod producer;
mod wire;

pub use consumer::{Consumer, FetchedRecord};
pub use error::KafkaError;
pub use group_offsets::GroupOffsets;
pub use partitioner::{murmur2, partition_for_key, to_positive};
pub use producer::{OutRecord, Producer};

/// A topic partition: `(topic, partition)`, the same shape the sandbox uses.
pub type TopicPartition = (String, i32);

/// Splits `bootstrap.servers` (comma separated, blanks ignored) into `host:port` entries.
pub fn parse_bootstrap(servers: &str) -> Vec<String> {
    servers
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}
