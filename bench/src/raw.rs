//! Raw rskafka baselines: a producer that batches like wasmconnect's source loop and a fetcher
//! that reads like its sink loop, on the same bytes (`datagen::core`) and the same checksum
//! (`counting::core`).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use rskafka::chrono::{TimeZone, Utc};
use rskafka::client::partition::{Compression, OffsetAt, PartitionClient, UnknownTopicHandling};
use rskafka::client::{Client, ClientBuilder};
use rskafka::record::Record;
use serde::Serialize;

use counting::core::Totals;
use datagen::core::{key_bytes, value_bytes};

/// As `runtime/src/kafka/producer.rs`: records of one partition go in produce requests of
/// about this many bytes (approximate record size + 64 each).
pub const MAX_REQUEST_BYTES: usize = 512 * 1024;
/// Bytes asked per partition per fetch, and the broker wait. `make bench` runs the sink pipeline
/// with `consumer.max.partition.fetch.bytes` set to the same size.
pub const FETCH_MAX_BYTES: i32 = 4 << 20;
/// See [`FETCH_MAX_BYTES`].
pub const FETCH_MAX_WAIT_MS: i32 = 200;

/// What `produce-raw` and `fetch-raw` print.
#[derive(Debug, Serialize)]
pub struct Throughput {
    /// Which measurement.
    pub scenario: &'static str,
    /// Topic.
    pub topic: String,
    /// Records written or read.
    pub records: u64,
    /// Key plus value bytes.
    pub bytes: u64,
    /// Wall time of the measured window.
    pub seconds: f64,
    /// `records / seconds`.
    pub records_per_s: f64,
    /// `bytes / seconds / 1e6`.
    pub mb_per_s: f64,
    /// CPU seconds of this process in the window.
    pub cpu_seconds: f64,
    /// `counting::core` checksum of the records, hex.
    pub checksum: String,
}

impl Throughput {
    fn new(scenario: &'static str, topic: &str, totals: Totals, seconds: f64, cpu: f64) -> Self {
        Self {
            scenario,
            topic: topic.to_owned(),
            records: totals.records,
            bytes: totals.bytes,
            seconds,
            records_per_s: totals.records as f64 / seconds,
            mb_per_s: totals.bytes as f64 / seconds / 1e6,
            cpu_seconds: cpu,
            checksum: format!("{:016x}", totals.checksum),
        }
    }
}

/// Connects to `bootstrap` (comma separated).
pub async fn connect(bootstrap: &str) -> anyhow::Result<Client> {
    let brokers = bootstrap.split(',').map(|s| s.trim().to_owned()).collect();
    tokio::time::timeout(Duration::from_secs(30), ClientBuilder::new(brokers).build())
        .await
        .with_context(|| format!("timed out connecting to Kafka at {bootstrap}"))?
        .with_context(|| format!("cannot connect to Kafka at {bootstrap}"))
}

/// The partitions of `topic`, creating it with `partitions` partitions if it does not exist.
pub async fn ensure_topic(
    client: &Client,
    topic: &str,
    partitions: i32,
) -> anyhow::Result<Vec<i32>> {
    let find = || async {
        anyhow::Ok(
            client
                .list_topics()
                .await?
                .into_iter()
                .find(|t| t.name == topic)
                .map(|t| t.partitions.into_iter().collect::<Vec<_>>()),
        )
    };
    if let Some(p) = find().await? {
        return Ok(p);
    }
    client
        .controller_client()?
        .create_topic(topic, partitions, 1, 10_000)
        .await
        .with_context(|| format!("cannot create topic {topic}"))?;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(p) = find().await?.filter(|p| !p.is_empty()) {
            return Ok(p);
        }
        anyhow::ensure!(Instant::now() < deadline, "topic {topic} did not appear");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One partition client per partition of `topic`.
pub async fn partition_clients(
    client: &Client,
    topic: &str,
    partitions: &[i32],
) -> anyhow::Result<BTreeMap<i32, Arc<PartitionClient>>> {
    let mut out = BTreeMap::new();
    for &p in partitions {
        let pc = client
            .partition_client(topic, p, UnknownTopicHandling::Retry)
            .await?;
        out.insert(p, Arc::new(pc));
    }
    Ok(out)
}

/// Sum over partitions of the high watermark (records written, for a fresh topic).
pub async fn end_offsets(clients: &BTreeMap<i32, Arc<PartitionClient>>) -> anyhow::Result<i64> {
    let mut sum = 0;
    for pc in clients.values() {
        sum += pc.get_offset(OffsetAt::Latest).await?;
    }
    Ok(sum)
}

/// Settings of `produce-raw`.
#[derive(Debug, Clone)]
pub struct ProduceRaw {
    /// `bootstrap.servers`.
    pub bootstrap: String,
    /// Topic (created with `partitions` if missing).
    pub topic: String,
    /// Partitions of a created topic.
    pub partitions: i32,
    /// Records to write.
    pub records: i64,
    /// Bytes per value.
    pub value_size: usize,
    /// Records per produce call, like datagen's `batch.size` per poll.
    pub batch: usize,
    /// Keyed records (partitioned by Kafka's default partitioner).
    pub key: bool,
}

/// Writes datagen's records 0..N: per batch of `batch` records, keyless ones go to one sticky
/// partition rotating per batch and keyed ones to `partition_for_key`; each partition's part
/// is sent in requests of about [`MAX_REQUEST_BYTES`], partitions concurrently, and the next
/// batch starts when every ack is in. This is what wasmconnect's source loop does per poll.
pub async fn produce_raw(cfg: &ProduceRaw) -> anyhow::Result<Throughput> {
    let client = connect(&cfg.bootstrap).await?;
    let partitions = ensure_topic(&client, &cfg.topic, cfg.partitions).await?;
    let clients = partition_clients(&client, &cfg.topic, &partitions).await?;
    let n_partitions = partitions.len() as i32;
    let mut totals = Totals::default();
    let mut scratch = Vec::new();
    let mut sticky = 0i32;
    let cpu0 = crate::stats::self_cpu_seconds();
    let started = Instant::now();
    let mut seq = 0i64;
    while seq < cfg.records {
        let end = (seq + cfg.batch as i64).min(cfg.records);
        let mut by_partition: BTreeMap<i32, Vec<Record>> = BTreeMap::new();
        let now = now_ms();
        for s in seq..end {
            value_bytes(s, cfg.value_size, &mut scratch);
            let key = cfg.key.then(|| key_bytes(s));
            totals.add(key.as_deref(), Some(&scratch));
            let p = match &key {
                Some(k) => wasmconnect_kafka::partition_for_key(k, n_partitions),
                None => partitions[sticky as usize],
            };
            by_partition.entry(p).or_default().push(Record {
                key,
                value: Some(scratch.clone()),
                headers: BTreeMap::new(),
                timestamp: Utc.timestamp_millis_opt(now).single().unwrap_or_default(),
            });
        }
        sticky = (sticky + 1) % n_partitions;
        let mut set = tokio::task::JoinSet::new();
        for (p, records) in by_partition {
            let pc = Arc::clone(&clients[&p]);
            set.spawn(async move { produce_partition(&pc, records).await });
        }
        while let Some(r) = set.join_next().await {
            r??;
        }
        seq = end;
    }
    let seconds = started.elapsed().as_secs_f64();
    let cpu = crate::stats::self_cpu_seconds() - cpu0;
    Ok(Throughput::new(
        "produce-raw",
        &cfg.topic,
        totals,
        seconds,
        cpu,
    ))
}

async fn produce_partition(pc: &PartitionClient, records: Vec<Record>) -> anyhow::Result<()> {
    let mut chunk = Vec::new();
    let mut bytes = 0;
    let mut iter = records.into_iter().peekable();
    while let Some(record) = iter.next() {
        bytes += record.approximate_size() + 64;
        chunk.push(record);
        if bytes >= MAX_REQUEST_BYTES || iter.peek().is_none() {
            pc.produce(std::mem::take(&mut chunk), Compression::NoCompression)
                .await
                .context("produce")?;
            bytes = 0;
        }
    }
    Ok(())
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Reads every partition of `topic` from its earliest offset to its end (the end when this
/// starts, or until `records` were read if given), in rounds like the sink loop: each round
/// fetches all unfinished partitions concurrently ([`FETCH_MAX_BYTES`] each, waiting up to
/// [`FETCH_MAX_WAIT_MS`]) and checksums the records. The window starts when the first
/// records are in hand, as the counting sink's does at its first `put`.
pub async fn fetch_raw(
    bootstrap: &str,
    topic: &str,
    records: Option<u64>,
) -> anyhow::Result<Throughput> {
    let client = connect(bootstrap).await?;
    let partitions = ensure_topic(&client, topic, 1).await?;
    let clients = partition_clients(&client, topic, &partitions).await?;
    let mut positions = BTreeMap::new();
    let mut ends = BTreeMap::new();
    for (&p, pc) in &clients {
        positions.insert(p, pc.get_offset(OffsetAt::Earliest).await?);
        ends.insert(p, pc.get_offset(OffsetAt::Latest).await?);
    }
    let mut totals = Totals::default();
    let mut started: Option<(Instant, f64)> = None;
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let done = match records {
            Some(n) => totals.records >= n,
            None => positions.iter().all(|(p, pos)| *pos >= ends[p]),
        };
        if done {
            break;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "fetch-raw: read {} records of {records:?} in 600 s",
            totals.records
        );
        let mut set = tokio::task::JoinSet::new();
        for (&p, &pos) in &positions {
            if records.is_none() && pos >= ends[&p] {
                continue;
            }
            let pc = Arc::clone(&clients[&p]);
            set.spawn(async move {
                let fetched = pc
                    .fetch_records(pos, 1..FETCH_MAX_BYTES, FETCH_MAX_WAIT_MS)
                    .await;
                (p, fetched)
            });
        }
        while let Some(joined) = set.join_next().await {
            let (p, fetched) = joined?;
            let (batch, _high) = fetched.context("fetch")?;
            if started.is_none() && !batch.is_empty() {
                started = Some((Instant::now(), crate::stats::self_cpu_seconds()));
            }
            for r in &batch {
                totals.add(r.record.key.as_deref(), r.record.value.as_deref());
            }
            if let Some(last) = batch.last() {
                positions.insert(p, last.offset + 1);
            }
        }
    }
    let (t0, cpu0) = started.unwrap_or((Instant::now(), crate::stats::self_cpu_seconds()));
    let seconds = t0.elapsed().as_secs_f64();
    let cpu = crate::stats::self_cpu_seconds() - cpu0;
    Ok(Throughput::new("fetch-raw", topic, totals, seconds, cpu))
}
