//! `KafkaError`: everything that can go wrong talking to Kafka.

use std::sync::Arc;
use std::time::Duration;

/// An error from Kafka I/O. `Clone` so it can be kept in a task's status.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum KafkaError {
    /// No bootstrap server could be reached.
    #[error("cannot connect to Kafka at {bootstrap}: {reason}")]
    Connect {
        /// The `bootstrap.servers` value tried.
        bootstrap: String,
        /// Why, e.g. `connection refused`.
        reason: String,
    },
    /// `bootstrap.servers` is empty.
    #[error("bootstrap.servers is empty")]
    NoBootstrapServers,
    /// The topic does not exist (and was not created).
    #[error("topic {0} does not exist")]
    UnknownTopic(String),
    /// A record names a partition the topic does not have.
    #[error("partition {partition} of topic {topic} does not exist (the topic has {partitions})")]
    UnknownPartition {
        /// Topic.
        topic: String,
        /// The partition asked for.
        partition: i32,
        /// How many partitions the topic has.
        partitions: i32,
    },
    /// A fetch asked for an offset outside the log; the caller resets it per `auto.offset.reset`.
    #[error("offset {offset} is out of range for {topic}-{partition}")]
    OffsetOutOfRange {
        /// Topic.
        topic: String,
        /// Partition.
        partition: i32,
        /// The offset asked for.
        offset: i64,
    },
    /// A request failed after rskafka's retries.
    #[error("{op} failed for {target}: {source}")]
    Client {
        /// What was being done, e.g. `produce`.
        op: &'static str,
        /// Topic, topic-partition or group.
        target: String,
        /// The rskafka error.
        source: Arc<rskafka::client::error::Error>,
    },
    /// The broker answered a group request with an error code.
    #[error("{op} failed for group {group}: {error}")]
    Broker {
        /// What was being done, e.g. `OffsetCommit`.
        op: &'static str,
        /// Consumer group.
        group: String,
        /// The broker's error.
        error: kafka_protocol::ResponseError,
    },
    /// A socket or encoding failure talking to a broker with `kafka-protocol`.
    #[error("{op} to {addr} failed: {message}")]
    Protocol {
        /// What was being done.
        op: &'static str,
        /// Broker address.
        addr: String,
        /// Detail.
        message: String,
    },
    /// The operation did not finish in time.
    #[error("{op} timed out after {after:?}")]
    Timeout {
        /// What was being done.
        op: &'static str,
        /// The limit.
        after: Duration,
    },
}

impl KafkaError {
    pub(crate) fn client(
        op: &'static str,
        target: impl Into<String>,
        source: rskafka::client::error::Error,
    ) -> Self {
        Self::Client {
            op,
            target: target.into(),
            source: Arc::new(source),
        }
    }

    /// Whether this is [`KafkaError::OffsetOutOfRange`]: reset the position per
    /// `auto.offset.reset` instead of retrying.
    pub fn is_offset_out_of_range(&self) -> bool {
        matches!(self, Self::OffsetOutOfRange { .. })
    }

    /// Whether retrying the same call later may succeed (network trouble, timeouts, leader
    /// changes), as opposed to a problem with the request itself.
    pub fn is_retriable(&self) -> bool {
        match self {
            Self::Connect { .. } | Self::Timeout { .. } | Self::Protocol { .. } => true,
            Self::Client { source, .. } => !matches!(
                source.as_ref(),
                rskafka::client::error::Error::ServerError {
                    protocol_error: rskafka::client::error::ProtocolError::MessageTooLarge
                        | rskafka::client::error::ProtocolError::RecordListTooLarge
                        | rskafka::client::error::ProtocolError::InvalidTopicException
                        | rskafka::client::error::ProtocolError::TopicAuthorizationFailed,
                    ..
                }
            ),
            Self::Broker { error, .. } => error.is_retriable(),
            Self::NoBootstrapServers
            | Self::UnknownTopic(_)
            | Self::UnknownPartition { .. }
            | Self::OffsetOutOfRange { .. } => false,
        }
    }
}
