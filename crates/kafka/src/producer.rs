//! `Producer`: writes source records to Kafka, partitioned like the Java producer.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rskafka::chrono::{TimeZone, Utc};
use rskafka::client::partition::{Compression, UnknownTopicHandling};
use rskafka::record::Record;

use super::cluster::Cluster;
use super::{KafkaError, TopicPartition, partition_for_key};

/// Records of one partition are split into produce requests of about this many bytes, well
/// under the broker's default `message.max.bytes` (1 MiB).
const MAX_REQUEST_BYTES: usize = 512 * 1024;

/// A record to produce.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OutRecord {
    /// Explicit partition; `None` lets the partitioner choose.
    pub partition: Option<i32>,
    /// Serialized key; keyed records go to `partition_for_key(key, partitions)`.
    pub key: Option<Vec<u8>>,
    /// Serialized value; `None` is a tombstone.
    pub value: Option<Vec<u8>>,
    /// Headers. rskafka keys headers by name, so of repeated names only the last is sent.
    pub headers: Vec<(String, Vec<u8>)>,
    /// Record timestamp in ms since the epoch; `None` means now.
    pub timestamp_ms: Option<i64>,
}

/// Produces to Kafka with no compression. Share it behind an `Arc`: all methods take `&self`.
#[derive(Debug)]
pub struct Producer {
    cluster: Arc<Cluster>,
    next_sticky: AtomicUsize,
    /// One lock per topic looked up: a send waits for the lookup or creation already under
    /// way rather than asking the broker to create the topic a second time, and
    /// [`prepare_topic`](Self::prepare_topic) starts none while one is.
    lookups: std::sync::Mutex<std::collections::HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl Producer {
    /// Connects to `bootstrap_servers` (comma separated `host:port`). `timeout` bounds the
    /// connection and each later send, rskafka's retries included.
    pub async fn connect(bootstrap_servers: &str, timeout: Duration) -> Result<Self, KafkaError> {
        let cluster = Arc::new(Cluster::connect(bootstrap_servers, timeout).await?);
        // A source's first send usually creates its topic: have the controller's connection
        // ready for it.
        let warm = Arc::clone(&cluster);
        tokio::spawn(async move { warm.connect_controller().await });
        Ok(Self {
            cluster,
            next_sticky: AtomicUsize::new(0),
            lookups: std::sync::Mutex::default(),
        })
    }

    pub(crate) fn cluster(&self) -> Arc<Cluster> {
        self.cluster.clone()
    }

    /// The `bootstrap.servers` this producer was built with.
    pub fn bootstrap(&self) -> &str {
        &self.cluster.bootstrap
    }

    /// The number of partitions of `topic`, creating the topic with the broker's defaults
    /// if it does not exist (like a source task's topic under `auto.create.topics.enable`).
    /// Cached after the first call.
    pub async fn ensure_topic(&self, topic: &str) -> Result<i32, KafkaError> {
        if let Some(n) = self.cluster.cached_count(topic) {
            return Ok(n);
        }
        let _one_at_a_time = self.lookup_lock(topic).lock_owned().await;
        self.lookup_or_create(topic).await
    }

    /// Starts looking up `topic` in the background, creating it if it does not exist, so
    /// that a first send to it finds it ready, and records converted meanwhile do not wait
    /// for the broker. Does nothing for a topic already known or being looked up.
    pub fn prepare_topic(self: &Arc<Self>, topic: &str) {
        if self.cluster.cached_count(topic).is_some() {
            return;
        }
        let Ok(one_at_a_time) = self.lookup_lock(topic).try_lock_owned() else {
            return;
        };
        let this = Arc::clone(self);
        let topic = topic.to_owned();
        tokio::spawn(async move {
            let _one_at_a_time = one_at_a_time;
            // A failure shows again, and is reported, on the send that needs the topic.
            if let Err(e) = this.lookup_or_create(&topic).await {
                tracing::debug!(topic, error = %e, "topic not ready yet");
            }
        });
    }

    fn lookup_lock(&self, topic: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut lookups = self.lookups.lock().unwrap_or_else(|e| e.into_inner());
        Arc::clone(lookups.entry(topic.to_owned()).or_default())
    }

    /// [`Self::ensure_topic`]'s work, under the topic's lookup lock.
    async fn lookup_or_create(&self, topic: &str) -> Result<i32, KafkaError> {
        if let Some(n) = self.cluster.cached_count(topic) {
            return Ok(n);
        }
        if let Some(p) = self.cluster.lookup_partitions(topic).await? {
            return Ok(p.len() as i32);
        }
        self.cluster.create_topic(topic).await?;
        // Metadata may lag the creation for a moment.
        let deadline = tokio::time::Instant::now() + self.cluster.timeout;
        loop {
            if let Some(p) = self.cluster.lookup_partitions(topic).await? {
                return Ok(p.len() as i32);
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(KafkaError::UnknownTopic(topic.to_owned()));
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Sends `records` to `topic` and waits for the broker's acks; returns each record's
    /// `(partition, offset)` in input order.
    ///
    /// Keyed records go where Kafka's default partitioner puts them; keyless ones without a
    /// partition all go to one partition per call, rotating between calls. Records of one
    /// partition keep their order; partitions are sent concurrently, one request each (more
    /// if large). On error some partitions may have been written (at-least-once).
    pub async fn send(
        &self,
        topic: &str,
        records: Vec<OutRecord>,
    ) -> Result<Vec<(i32, i64)>, KafkaError> {
        if records.is_empty() {
            return Ok(Vec::new());
        }
        let partitions = self.ensure_topic(topic).await?;
        let sticky =
            (self.next_sticky.fetch_add(1, Ordering::Relaxed) % partitions as usize) as i32;

        let total = records.len();
        // The timestamp of records without one: the time of the send, read once.
        let now_ms = now_ms();
        let mut by_partition: BTreeMap<i32, Vec<(usize, Record)>> = BTreeMap::new();
        for (i, r) in records.into_iter().enumerate() {
            let p = match (r.partition, &r.key) {
                (Some(p), _) => {
                    if !(0..partitions).contains(&p) {
                        return Err(KafkaError::UnknownPartition {
                            topic: topic.to_owned(),
                            partition: p,
                            partitions,
                        });
                    }
                    p
                }
                (None, Some(key)) => partition_for_key(key, partitions),
                (None, None) => sticky,
            };
            by_partition
                .entry(p)
                .or_default()
                .push((i, to_record(r, now_ms)));
        }

        let mut set = tokio::task::JoinSet::new();
        for (p, batch) in by_partition {
            let tp: TopicPartition = (topic.to_owned(), p);
            let cluster = Arc::clone(&self.cluster);
            set.spawn(async move {
                let result = produce_partition(&cluster, &tp, batch).await;
                if result.is_err() {
                    cluster.invalidate(&tp.0);
                }
                result.map(|offsets| (p, offsets))
            });
        }
        let mut out = vec![(0, -1); total];
        let mut first_err = None;
        while let Some(joined) = set.join_next().await {
            match joined {
                Ok(Ok((p, offsets))) => {
                    for (i, offset) in offsets {
                        out[i] = (p, offset);
                    }
                }
                Ok(Err(e)) => {
                    first_err.get_or_insert(e);
                }
                Err(join) => std::panic::resume_unwind(join.into_panic()),
            }
        }
        match first_err {
            Some(e) => Err(e),
            None => Ok(out),
        }
    }
}

async fn produce_partition(
    cluster: &Cluster,
    tp: &TopicPartition,
    batch: Vec<(usize, Record)>,
) -> Result<Vec<(usize, i64)>, KafkaError> {
    let client = cluster.partition(tp, UnknownTopicHandling::Retry).await?;
    let mut out = Vec::with_capacity(batch.len());
    let mut chunk = Vec::new();
    let mut indexes = Vec::new();
    let mut bytes = 0;
    let mut iter = batch.into_iter().peekable();
    while let Some((i, record)) = iter.next() {
        bytes += record.approximate_size() + 64;
        indexes.push(i);
        chunk.push(record);
        if bytes >= MAX_REQUEST_BYTES || iter.peek().is_none() {
            let send = client.produce(std::mem::take(&mut chunk), Compression::NoCompression);
            let offsets = tokio::time::timeout(cluster.timeout, send)
                .await
                .map_err(|_| KafkaError::Timeout {
                    op: "produce",
                    after: cluster.timeout,
                })?
                .map_err(|e| KafkaError::client("produce", format!("{}-{}", tp.0, tp.1), e))?;
            out.extend(indexes.drain(..).zip(offsets));
            bytes = 0;
        }
    }
    Ok(out)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn to_record(r: OutRecord, now_ms: i64) -> Record {
    let ms = r.timestamp_ms.unwrap_or(now_ms);
    let timestamp = Utc.timestamp_millis_opt(ms).single().unwrap_or_else(|| {
        Utc.timestamp_millis_opt(now_ms)
            .single()
            .unwrap_or_default()
    });
    Record {
        key: r.key,
        value: r.value,
        headers: r.headers.into_iter().collect(),
        timestamp,
    }
}
