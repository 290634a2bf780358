//! `Consumer`: fetches records for sink tasks from partitions the worker assigns.

use std::sync::Arc;
use std::time::Duration;

use rskafka::client::error::{Error as ClientError, ProtocolError};
use rskafka::client::partition::{OffsetAt, UnknownTopicHandling};

use super::cluster::Cluster;
use super::{KafkaError, TopicPartition};

/// A record read from Kafka.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchedRecord {
    /// Offset in its partition.
    pub offset: i64,
    /// Key bytes.
    pub key: Option<Vec<u8>>,
    /// Value bytes; `None` for a tombstone.
    pub value: Option<Vec<u8>>,
    /// Headers, sorted by name (rskafka keeps one value per name).
    pub headers: Vec<(String, Vec<u8>)>,
    /// Record timestamp, ms since the epoch.
    pub timestamp_ms: i64,
}

/// Reads partitions by explicit offset; it has no group membership (the herder assigns
/// partitions) and commits nothing (see [`super::GroupOffsets`]). All methods take `&self`.
#[derive(Debug)]
pub struct Consumer {
    cluster: Arc<Cluster>,
    max_partition_fetch_bytes: i32,
    max_poll_records: usize,
}

/// How long [`Consumer::partitions`] waits for a missing topic that this process may be
/// creating.
const TOPIC_WAIT: Duration = Duration::from_millis(100);

/// Kafka's default `max.partition.fetch.bytes`.
const DEFAULT_MAX_PARTITION_FETCH_BYTES: i32 = 1 << 20;

/// Kafka's default `max.poll.records`.
const DEFAULT_MAX_POLL_RECORDS: usize = 500;

impl Consumer {
    /// Connects to `bootstrap_servers` (comma separated `host:port`); `timeout` bounds the
    /// connection and each later request.
    pub async fn connect(bootstrap_servers: &str, timeout: Duration) -> Result<Self, KafkaError> {
        Ok(Self {
            cluster: Arc::new(Cluster::connect(bootstrap_servers, timeout).await?),
            max_partition_fetch_bytes: DEFAULT_MAX_PARTITION_FETCH_BYTES,
            max_poll_records: DEFAULT_MAX_POLL_RECORDS,
        })
    }

    /// Caps what one fetch asks of a partition (`consumer.max.partition.fetch.bytes`; at
    /// least one record is still returned, as in Kafka). Every fetched batch is held in
    /// memory several times over (the response, the records, the converted batch, the
    /// sink's copy), so this bounds the worker's memory per sink task.
    pub fn with_max_partition_fetch_bytes(mut self, bytes: i32) -> Self {
        self.max_partition_fetch_bytes = bytes.max(1);
        self
    }

    /// Caps the records a sink task gets in one `put` (`consumer.max.poll.records`, as a
    /// Kafka consumer's poll returns at most that many); the rest of a fetch goes to the
    /// next puts.
    pub fn with_max_poll_records(mut self, records: usize) -> Self {
        self.max_poll_records = records.max(1);
        self
    }

    /// The most records one `put` gets.
    pub fn max_poll_records(&self) -> usize {
        self.max_poll_records
    }

    /// Every topic of the cluster with its partitions, from fresh metadata.
    pub async fn topics(&self) -> Result<Vec<(String, Vec<i32>)>, KafkaError> {
        self.cluster.list_topics().await
    }

    /// A consumer sharing `producer`'s connections and metadata. Not for a worker whose
    /// sink fetches long-poll: the broker answers one connection's requests in order, so
    /// produce requests would wait behind a fetch.
    pub fn sharing(producer: &super::Producer) -> Self {
        Self {
            cluster: producer.cluster(),
            max_partition_fetch_bytes: DEFAULT_MAX_PARTITION_FETCH_BYTES,
            max_poll_records: DEFAULT_MAX_POLL_RECORDS,
        }
    }

    /// The partitions of `topic`, sorted, from fresh metadata. A topic that does not exist
    /// yet is waited for up to `TOPIC_WAIT` while topics are being created by this process:
    /// a sink started with the source that feeds it finds the topic as soon as the source's
    /// first send has created it.
    pub async fn partitions(&self, topic: &str) -> Result<Vec<i32>, KafkaError> {
        let mut created = super::cluster::topics_created();
        if let Some(p) = self.cluster.lookup_partitions(topic).await? {
            return Ok(p);
        }
        let deadline = tokio::time::Instant::now() + TOPIC_WAIT;
        while let Ok(Ok(())) = tokio::time::timeout_at(deadline, created.changed()).await {
            // The broker's metadata may lag the creation for a moment.
            loop {
                if let Some(p) = self.cluster.lookup_partitions(topic).await? {
                    return Ok(p);
                }
                let retry = tokio::time::Instant::now() + Duration::from_millis(5);
                if retry >= deadline || created.has_changed().unwrap_or(false) {
                    break;
                }
                tokio::time::sleep_until(retry).await;
            }
        }
        Err(KafkaError::UnknownTopic(topic.to_owned()))
    }

    /// Records of `topic`-`partition` from `offset` on, at most about `max_bytes` or the
    /// consumer's `max.partition.fetch.bytes`, whichever is smaller (at least one record is
    /// returned if any exists), waiting up to `max_wait_ms` for data; plus the partition's
    /// high watermark. An empty result means no new data.
    ///
    /// Returns [`KafkaError::OffsetOutOfRange`] if `offset` is outside the log, so the caller
    /// can reset it per `auto.offset.reset` (Connect's sinks default to earliest).
    pub async fn fetch(
        &self,
        topic: &str,
        partition: i32,
        offset: i64,
        max_bytes: i32,
        max_wait_ms: i32,
    ) -> Result<(Vec<FetchedRecord>, i64), KafkaError> {
        let tp: TopicPartition = (topic.to_owned(), partition);
        let client = self
            .cluster
            .partition(&tp, UnknownTopicHandling::Error)
            .await?;
        let max_bytes = max_bytes.min(self.max_partition_fetch_bytes);
        let request = client.fetch_records(offset, 1..max_bytes.max(2), max_wait_ms);
        let limit = self.cluster.timeout + Duration::from_millis(max_wait_ms.max(0) as u64);
        let result =
            tokio::time::timeout(limit, request)
                .await
                .map_err(|_| KafkaError::Timeout {
                    op: "fetch",
                    after: limit,
                })?;
        match result {
            Ok((records, high_watermark)) => {
                let records = records
                    .into_iter()
                    .map(|r| FetchedRecord {
                        offset: r.offset,
                        key: r.record.key,
                        value: r.record.value,
                        headers: r.record.headers.into_iter().collect(),
                        timestamp_ms: r.record.timestamp.timestamp_millis(),
                    })
                    .collect();
                Ok((records, high_watermark))
            }
            Err(ClientError::ServerError {
                protocol_error: ProtocolError::OffsetOutOfRange,
                ..
            }) => Err(KafkaError::OffsetOutOfRange {
                topic: topic.to_owned(),
                partition,
                offset,
            }),
            Err(e) => {
                self.cluster.invalidate(topic);
                Err(KafkaError::client(
                    "fetch",
                    format!("{topic}-{partition}"),
                    e,
                ))
            }
        }
    }

    /// Opens (and caches) the connection to the leader of `topic`-`partition`, so that the
    /// first offset lookup or fetch does not wait for it.
    pub async fn connect_partition(&self, topic: &str, partition: i32) -> Result<(), KafkaError> {
        let tp: TopicPartition = (topic.to_owned(), partition);
        self.cluster
            .partition(&tp, UnknownTopicHandling::Error)
            .await
            .map(drop)
    }

    /// The log start offset of `topic`-`partition` (the first offset still kept).
    pub async fn earliest_offset(&self, topic: &str, partition: i32) -> Result<i64, KafkaError> {
        self.offset_at(topic, partition, OffsetAt::Earliest).await
    }

    /// The log end offset of `topic`-`partition` (the offset the next record will get).
    pub async fn latest_offset(&self, topic: &str, partition: i32) -> Result<i64, KafkaError> {
        self.offset_at(topic, partition, OffsetAt::Latest).await
    }

    async fn offset_at(
        &self,
        topic: &str,
        partition: i32,
        at: OffsetAt,
    ) -> Result<i64, KafkaError> {
        let tp: TopicPartition = (topic.to_owned(), partition);
        let client = self
            .cluster
            .partition(&tp, UnknownTopicHandling::Error)
            .await?;
        tokio::time::timeout(self.cluster.timeout, client.get_offset(at))
            .await
            .map_err(|_| KafkaError::Timeout {
                op: "list offsets",
                after: self.cluster.timeout,
            })?
            .map_err(|e| KafkaError::client("list offsets", format!("{topic}-{partition}"), e))
    }
}
