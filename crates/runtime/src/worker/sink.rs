//! The sink loop.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::{Duration, Instant};

use tokio::task::JoinSet;
use wasmconnect_api::State;
use wasmconnect_converters::{Converter, ConverterError, SchemaAndValue};
use wasmconnect_data::batch::sink_writer::{HeaderRef, SinkRecordRef, SinkWriter, WriteValue};
use wasmconnect_data::{Schema, SchemaRef, TimestampType};
use wasmconnect_kafka::{FetchedRecord, KafkaError, OutRecord, TopicPartition};
use wasmconnect_sandbox::{ConnectError, SandboxError, SinkTaskInstance};

use super::{Backoff, GuestCall, TaskContext, TaskError};

/// Bytes asked per partition per fetch (the broker's `partition_max_bytes`). With one fetch
/// ahead, up to twice this per partition is in memory besides the batch being put.
const FETCH_MAX_BYTES: i32 = 4 << 20;
/// How long a fetch waits for data at the broker.
const FETCH_MAX_WAIT_MS: i32 = 200;

/// Runs one sink task until it is stopped or fails.
pub(super) async fn run(mut ctx: TaskContext) {
    let mut task = match ctx
        .sandbox
        .sink_task(&ctx.plugin, &ctx.id.connector, &ctx.limits)
        .await
    {
        Ok(t) => t,
        Err(e) => return ctx.fail(&TaskError::guest(GuestCall::Instantiate)(e)),
    };
    if let Err(e) = task.start(&ctx.task_config).await {
        return ctx.fail(&TaskError::guest(GuestCall::Start)(e));
    }
    ctx.status.set(State::Running);
    tracing::info!("sink task started");
    let mut sink = SinkState::default();
    match sink_loop(&mut ctx, &mut task, &mut sink).await {
        Ok(()) => {
            if let Err(e) = commit(&ctx, &mut task, &mut sink).await {
                tracing::warn!(error = %e, "final commit failed");
            }
            let assigned: Vec<_> = sink.positions.keys().cloned().collect();
            if let Err(e) = task.close(&assigned).await {
                tracing::warn!(error = %e, "task close failed");
            }
            if let Err(e) = task.stop().await {
                tracing::warn!(error = %e, "task stop failed");
            }
            tracing::info!("sink task stopped");
        }
        Err(e) => ctx.fail(&e),
    }
}

#[derive(Debug, Default)]
struct SinkState {
    /// Next offset to fetch per assigned partition.
    positions: BTreeMap<TopicPartition, i64>,
    /// Offset after the last record delivered by `put`, per partition.
    delivered: BTreeMap<TopicPartition, i64>,
    /// Last committed offsets.
    committed: BTreeMap<TopicPartition, i64>,
    paused: BTreeSet<TopicPartition>,
    /// The records of the current batch as read, for the dead letter queue.
    raw: std::collections::HashMap<(TopicPartition, i64), FetchedRecord>,
    /// The next fetch, started when the previous one returned.
    prefetch: Option<Fetch>,
    /// The batch being written (kept to reuse its allocations).
    writer: SinkWriter,
    /// Fetched records beyond `consumer.max.poll.records`, delivered by the next puts.
    pending: Pending,
    /// Partitions without a committed offset, positioned at 0 until a fetch confirms it: the
    /// log start of a new topic, found without asking. An out-of-range answer moves them
    /// to the log start (`auto.offset.reset=earliest`, Connect's default for sinks).
    from_start: BTreeSet<TopicPartition>,
}

/// Fetched records not yet handed to the task, per partition in partition order.
type Pending = VecDeque<(TopicPartition, VecDeque<FetchedRecord>)>;

fn group(ctx: &TaskContext) -> String {
    format!("connect-{}", ctx.id.connector)
}

/// What the connector subscribes to: `topics` (comma separated) or `topics.regex`.
#[derive(Debug)]
enum Subscription {
    Topics(Vec<String>),
    Pattern(regex::Regex),
}

impl Subscription {
    fn of(ctx: &TaskContext) -> Self {
        if let Some(re) = ctx.connector.topics_regex.as_deref() {
            // Java's Matcher.matches(): the whole name must match. Validated at creation.
            if let Ok(re) = regex::Regex::new(&format!("^(?:{re})$")) {
                return Self::Pattern(re);
            }
        }
        Self::Topics(ctx.connector.topics.clone())
    }
}

/// How often the subscription is matched against the cluster's topics again.
const METADATA_REFRESH: Duration = Duration::from_secs(10);

/// Finds partitions of the subscription not yet assigned, positions them at the group's
/// committed offsets (or the earliest), and returns them.
async fn discover(
    ctx: &mut TaskContext,
    sink: &mut SinkState,
    subscription: &Subscription,
) -> Result<Vec<TopicPartition>, TaskError> {
    let mut wanted: Vec<TopicPartition> = Vec::new();
    match subscription {
        Subscription::Topics(topics) => {
            for topic in topics {
                match ctx.kafka.consumer.partitions(topic).await {
                    Ok(ps) => wanted.extend(ps.into_iter().map(|p| (topic.clone(), p))),
                    Err(e) => tracing::debug!(topic, error = %e, "waiting for topic"),
                }
            }
        }
        Subscription::Pattern(re) => match ctx.kafka.consumer.topics().await {
            Ok(all) => {
                for (topic, ps) in all {
                    let internal = topic.starts_with("__");
                    if !internal && re.is_match(&topic) {
                        wanted.extend(ps.into_iter().map(|p| (topic.clone(), p)));
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot list topics"),
        },
    }
    wanted.retain(|tp| !sink.positions.contains_key(tp));
    if wanted.is_empty() {
        return Ok(wanted);
    }
    let group = group(ctx);
    // Connect to the partitions' leaders while the committed offsets are read.
    let mut connects = JoinSet::new();
    for (topic, partition) in wanted.iter().cloned() {
        let consumer = ctx.kafka.consumer.clone();
        connects.spawn(async move { consumer.connect_partition(&topic, partition).await });
    }
    let mut backoff = Backoff::new();
    let committed = loop {
        match ctx.kafka.groups.fetch(&group, &wanted).await {
            Ok(c) => break c,
            Err(e) => {
                tracing::warn!(group, error = %e, "cannot read committed offsets");
                if ctx.stopping() {
                    return Ok(Vec::new());
                }
                ctx.sleep(backoff.next()).await;
            }
        }
    };
    // A failed connection shows again, and is reported, where the partition is used.
    connects.join_all().await;
    for tp in &wanted {
        let pos = match committed.get(tp) {
            Some(&o) if o >= 0 => o,
            _ => {
                sink.from_start.insert(tp.clone());
                0
            }
        };
        sink.positions.insert(tp.clone(), pos);
        sink.committed.insert(tp.clone(), pos);
        tracing::info!(topic = %tp.0, partition = tp.1, offset = pos, "partition assigned");
    }
    Ok(wanted)
}

async fn sink_loop(
    ctx: &mut TaskContext,
    task: &mut SinkTaskInstance,
    sink: &mut SinkState,
) -> Result<(), TaskError> {
    let subscription = Subscription::of(ctx);
    let mut backoff = Backoff::new();
    // Find the group's coordinator and connect to it meanwhile (an offset fetch of no
    // partitions), so reading the committed offsets does not wait for that once the
    // topics are found.
    let groups = ctx.kafka.groups.clone();
    let group_id = group(ctx);
    tokio::spawn(async move { groups.fetch(&group_id, &[]).await.map(drop) });
    // Wait for at least one partition, as a consumer waits for its subscription to match.
    loop {
        let assigned = discover(ctx, sink, &subscription).await?;
        if !assigned.is_empty() {
            task.open(&assigned)
                .await
                .map_err(TaskError::guest(GuestCall::Open))?;
            break;
        }
        if !ctx.wait_runnable().await {
            return Ok(());
        }
        ctx.sleep(backoff.next().min(Duration::from_secs(2))).await;
    }
    let mut last_commit = Instant::now();
    let mut last_discovery = Instant::now();
    let mut backoff = Backoff::new();
    loop {
        if ctx.stopping() {
            return Ok(());
        }
        if ctx.control.paused() {
            sink.prefetch = None;
            commit(ctx, task, sink).await?;
            if !ctx.wait_runnable().await {
                return Ok(());
            }
        }
        if last_discovery.elapsed() >= METADATA_REFRESH {
            last_discovery = Instant::now();
            let added = discover(ctx, sink, &subscription).await?;
            if !added.is_empty() {
                task.open(&added)
                    .await
                    .map_err(TaskError::guest(GuestCall::Open))?;
            }
        }
        let fetched = fetch(ctx, sink).await;
        sink.raw.clear();
        sink.writer.clear();
        let keep_raw = ctx.tolerates_errors() && ctx.dlq_topic().is_some();
        let header_schema = Schema::optional_bytes();
        // Per partition of the batch: the offset after its last record, delivered or skipped.
        let mut done: Vec<(TopicPartition, i64)> = Vec::with_capacity(fetched.len());
        for (tp, batch) in fetched {
            let Some(last) = batch.last().map(|r| r.offset) else {
                continue;
            };
            for r in batch {
                if keep_raw {
                    sink.raw.insert((tp.clone(), r.offset), r.clone());
                }
                let offset = r.offset;
                match convert(ctx, &tp, &r) {
                    Ok((key, value)) => sink.writer.push(
                        SinkRecordRef {
                            topic: &tp.0,
                            kafka_partition: tp.1,
                            kafka_offset: offset,
                            key_schema: key.schema(),
                            key: key.value(),
                            value_schema: value.schema(),
                            value: value.value(),
                            timestamp: (r.timestamp_ms >= 0).then_some(r.timestamp_ms),
                            timestamp_type: if r.timestamp_ms >= 0 {
                                TimestampType::CreateTime
                            } else {
                                TimestampType::NoTimestampType
                            },
                        },
                        r.headers.iter().map(|(k, v)| HeaderRef {
                            key: k,
                            schema: Some(&header_schema),
                            value: WriteValue::Bytes(v),
                        }),
                    ),
                    Err(e) if ctx.tolerates_errors() => {
                        // errors.tolerance=all: skip it, as Connect does, and keep going.
                        let raw = sink.raw.get(&(tp.clone(), offset));
                        errant(ctx, &tp, offset, raw, &e.to_string()).await;
                    }
                    Err(e) => return Err(e),
                }
            }
            done.push((tp, last + 1));
        }
        if !sink.writer.is_empty() {
            ctx.metrics.records.fetch_add(
                sink.writer.len() as u64,
                std::sync::atomic::Ordering::Relaxed,
            );
            let converted = sink.writer.finish();
            // The records to put: as converted, or as the stage made them.
            let staged = ctx.stage.apply(converted)?;
            let bytes = staged.as_ref().map_or(converted, |s| &s.batch);
            loop {
                match task.put(bytes).await {
                    Ok(()) => break,
                    Err(e) if e.is_retriable() => {
                        tracing::warn!(error = %e, "put failed, redelivering");
                        ctx.sleep(backoff.next()).await;
                        if ctx.stopping() {
                            return Ok(());
                        }
                    }
                    Err(e) => return Err(TaskError::guest(GuestCall::Put)(e)),
                }
            }
            backoff.reset();
        }
        // Only the last offset of each partition matters: one update per partition.
        for (tp, next) in done {
            set_offset(&mut sink.delivered, &tp, next);
            set_offset(&mut sink.positions, &tp, next);
        }
        let requests = task.take_requests();
        let commit_now = requests.commit;
        handle_requests(ctx, sink, requests).await?;
        if commit_now || last_commit.elapsed() >= ctx.flush_interval {
            commit(ctx, task, sink).await?;
            last_commit = Instant::now();
        }
        ctx.metrics.observe(task.usage());
        recycle_if_due(ctx, task, sink).await?;
    }
}

/// Replaces the task's instance with a fresh one once `wasm.recycle.*` says so, between
/// two batches: offsets are committed, the old instance is closed and stopped (a sink
/// flushes there, as in Connect), the fresh one started and opened on the same partitions.
/// Fetching goes on from the same positions, so nothing is lost or delivered twice.
async fn recycle_if_due(
    ctx: &TaskContext,
    task: &mut SinkTaskInstance,
    sink: &mut SinkState,
) -> Result<(), TaskError> {
    let (memory, calls) = task.usage();
    let Some(reason) = ctx.limits.recycle.reason(memory, calls) else {
        return Ok(());
    };
    commit(ctx, task, sink).await?;
    let assigned: Vec<_> = sink.positions.keys().cloned().collect();
    let fresh = ctx
        .sandbox
        .sink_task(&ctx.plugin, &ctx.id.connector, &ctx.limits)
        .await
        .map_err(TaskError::guest(GuestCall::Instantiate))?;
    let mut old = std::mem::replace(task, fresh);
    if let Err(e) = old.close(&assigned).await {
        tracing::warn!(error = %e, "close of the recycled instance failed");
    }
    if let Err(e) = old.stop().await {
        tracing::warn!(error = %e, "stop of the recycled instance failed");
    }
    task.start(&ctx.task_config)
        .await
        .map_err(TaskError::guest(GuestCall::Start))?;
    task.open(&assigned)
        .await
        .map_err(TaskError::guest(GuestCall::Open))?;
    // The positions are unchanged, but the fresh instance starts from a fresh fetch.
    sink.prefetch = None;
    ctx.metrics
        .instance_recycles
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    ctx.metrics.observe(task.usage());
    tracing::info!(reason, "task instance recycled");
    Ok(())
}

async fn handle_requests(
    ctx: &TaskContext,
    sink: &mut SinkState,
    requests: wasmconnect_sandbox::Requests,
) -> Result<(), TaskError> {
    ctx.connector_requests(&requests)?;
    for tp in requests.pause {
        sink.paused.insert(tp);
    }
    for tp in requests.resume {
        sink.paused.remove(&tp);
    }
    for (tp, offset) in requests.reset {
        // An offset the task asked for: out of range, it is reported, not assumed.
        sink.from_start.remove(&tp);
        sink.positions.insert(tp, offset);
    }
    for ((topic, partition), offset, error) in requests.reported {
        if !ctx.tolerates_errors() {
            return Err(TaskError::guest(GuestCall::Put)(SandboxError::Guest(
                ConnectError::Fatal(format!(
                    "errant record {topic}-{partition}@{offset} reported with errors.tolerance=none: {error}"
                )),
            )));
        }
        let tp = (topic, partition);
        let raw = sink.raw.get(&(tp.clone(), offset)).cloned();
        errant(ctx, &tp, offset, raw.as_ref(), &error).await;
    }
    Ok(())
}

/// A record the task could not take, with `errors.tolerance=all`: logged and, if
/// `errors.deadletterqueue.topic.name` is set, produced there as it was read.
async fn errant(
    ctx: &TaskContext,
    tp: &TopicPartition,
    offset: i64,
    raw: Option<&FetchedRecord>,
    error: &str,
) {
    tracing::warn!(topic = %tp.0, partition = tp.1, offset, error, "errant record skipped");
    let (Some(dlq), Some(raw)) = (ctx.dlq_topic(), raw) else {
        return;
    };
    let mut headers = raw.headers.clone();
    if ctx
        .connector
        .props
        .get("errors.deadletterqueue.context.headers.enable")
        .is_some_and(|v| v == "true")
    {
        for (k, v) in [
            ("__connect.errors.topic", tp.0.clone()),
            ("__connect.errors.partition", tp.1.to_string()),
            ("__connect.errors.offset", offset.to_string()),
            ("__connect.errors.connector.name", ctx.id.connector.clone()),
            ("__connect.errors.task.id", ctx.id.task.to_string()),
            ("__connect.errors.exception.message", error.to_string()),
        ] {
            headers.push((k.to_string(), v.into_bytes()));
        }
    }
    let record = OutRecord {
        partition: None,
        key: raw.key.clone(),
        value: raw.value.clone(),
        headers,
        timestamp_ms: Some(raw.timestamp_ms),
    };
    if let Err(e) = ctx.kafka.producer.send(dlq, vec![record]).await {
        tracing::error!(topic = %dlq, error = %e, "cannot write to the dead letter queue");
    }
}

/// `offset` as the value of `tp` in `map`, without cloning the key if it is there.
fn set_offset(map: &mut BTreeMap<TopicPartition, i64>, tp: &TopicPartition, offset: i64) {
    match map.get_mut(tp) {
        Some(o) => *o = offset,
        None => {
            map.insert(tp.clone(), offset);
        }
    }
}

type FetchResult = (
    TopicPartition,
    i64,
    Result<(Vec<FetchedRecord>, i64), KafkaError>,
);

/// A fetch in flight: one request per partition, concurrently. Dropping it aborts them.
#[derive(Debug)]
struct Fetch {
    /// The partitions and offsets asked, in partition order.
    wanted: Vec<(TopicPartition, i64)>,
    requests: JoinSet<FetchResult>,
}

impl Fetch {
    fn start(ctx: &TaskContext, wanted: Vec<(TopicPartition, i64)>) -> Self {
        let mut requests = JoinSet::new();
        for (tp, offset) in wanted.iter().cloned() {
            let consumer = ctx.kafka.consumer.clone();
            requests.spawn(async move {
                let r = consumer
                    .fetch(&tp.0, tp.1, offset, FETCH_MAX_BYTES, FETCH_MAX_WAIT_MS)
                    .await;
                (tp, offset, r)
            });
        }
        Self { wanted, requests }
    }
}

/// The partitions to fetch and from where: every assigned one not paused.
fn wanted(sink: &SinkState) -> Vec<(TopicPartition, i64)> {
    sink.positions
        .iter()
        .filter(|(tp, _)| !sink.paused.contains(*tp))
        .map(|(tp, o)| (tp.clone(), *o))
        .collect()
}

/// The next records of the partitions to fetch, per partition in partition order.
///
/// Uses the fetch started ahead if it asked for exactly the current positions (nothing
/// was paused, resumed, reset, skipped or assigned since), else fetches now. Once the
/// records are in, starts the next fetch from the offsets after them, so it runs while
/// these are converted and put.
async fn fetch(
    ctx: &mut TaskContext,
    sink: &mut SinkState,
) -> Vec<(TopicPartition, Vec<FetchedRecord>)> {
    let max = ctx.kafka.consumer.max_poll_records();
    let wanted = wanted(sink);
    if !sink.pending.is_empty() {
        // Still where the task's positions are (no pause, reset or skip since)?
        let current = sink.pending.iter().all(|(tp, records)| {
            let first = records.front().map(|r| r.offset);
            wanted.iter().any(|(t, o)| t == tp && Some(*o) == first)
        });
        if current {
            return take_records(&mut sink.pending, max);
        }
        // They are fetched again from the new positions.
        sink.pending.clear();
    }
    if wanted.is_empty() {
        sink.prefetch = None;
        ctx.sleep(Duration::from_millis(100)).await;
        return Vec::new();
    }
    let mut pending = match sink.prefetch.take() {
        Some(f) if f.wanted == wanted => f,
        _ => Fetch::start(ctx, wanted),
    };
    let mut results = Vec::new();
    while let Some(done) = pending.requests.join_next().await {
        if let Ok(r) = done {
            results.push(r);
        }
    }
    results.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = Vec::new();
    let mut any_error = false;
    for (tp, offset, r) in results {
        match r {
            Ok((mut records, _hwm)) => {
                sink.from_start.remove(&tp);
                // A fetch starts at the batch holding `offset`: drop what precedes it.
                if records.first().is_some_and(|r| r.offset < offset) {
                    records.retain(|r| r.offset >= offset);
                }
                if !records.is_empty() {
                    out.push((tp, records));
                }
            }
            Err(e) if e.is_offset_out_of_range() => {
                if let Ok(o) = ctx.kafka.consumer.earliest_offset(&tp.0, tp.1).await {
                    if sink.from_start.remove(&tp) {
                        tracing::debug!(topic = %tp.0, partition = tp.1, offset = o, "starting from the log start");
                    } else {
                        tracing::warn!(topic = %tp.0, partition = tp.1, offset, reset = o, "offset out of range, resetting to earliest");
                    }
                    sink.positions.insert(tp, o);
                }
            }
            Err(e) => {
                tracing::warn!(topic = %tp.0, partition = tp.1, error = %e, "fetch failed");
                any_error = true;
            }
        }
    }
    if any_error {
        ctx.sleep(Duration::from_millis(500)).await;
    } else if !ctx.stopping() {
        // The positions once these records are delivered (or skipped).
        let mut next = self::wanted(sink);
        for (tp, offset) in &mut next {
            if let Ok(i) = out.binary_search_by(|(t, _)| t.cmp(tp))
                && let Some(last) = out[i].1.last()
            {
                *offset = last.offset + 1;
            }
        }
        if !next.is_empty() {
            sink.prefetch = Some(Fetch::start(ctx, next));
            // A task spawned from a worker thread waits in that thread's LIFO slot, which
            // other threads do not steal, until the spawner yields: yield once so the fetch
            // is sent now rather than after this batch is converted and put.
            tokio::task::yield_now().await;
        }
    }
    if out.iter().map(|(_, records)| records.len()).sum::<usize>() <= max {
        return out;
    }
    sink.pending = out
        .into_iter()
        .map(|(tp, records)| (tp, VecDeque::from(records)))
        .collect();
    take_records(&mut sink.pending, max)
}

/// The first `max` records of `pending` (at least one), taken out of it.
fn take_records(pending: &mut Pending, max: usize) -> Vec<(TopicPartition, Vec<FetchedRecord>)> {
    let mut room = max.max(1);
    let mut out = Vec::new();
    while room > 0
        && let Some((tp, records)) = pending.front_mut()
    {
        if records.len() > room {
            // Part of this partition's records: the rest stay for the next put.
            out.push((tp.clone(), records.drain(..room).collect()));
            break;
        }
        room -= records.len();
        let Some((tp, records)) = pending.pop_front() else {
            break;
        };
        out.push((tp, Vec::from(records)));
    }
    out
}

/// A record key or value in Connect form: a reference into the fetched bytes when the
/// converter can give one, else converted.
enum Converted<'a> {
    Ref(Option<&'a SchemaRef>, WriteValue<'a>),
    Owned(SchemaAndValue),
}

impl Converted<'_> {
    fn schema(&self) -> Option<&SchemaRef> {
        match self {
            Self::Ref(schema, _) => *schema,
            Self::Owned(sv) => sv.schema.as_ref(),
        }
    }

    fn value(&self) -> WriteValue<'_> {
        match self {
            Self::Ref(_, value) => *value,
            Self::Owned(sv) => WriteValue::Value(&sv.value),
        }
    }
}

fn to_connect<'a>(
    converter: &'a dyn Converter,
    topic: &str,
    bytes: Option<&'a [u8]>,
) -> Result<Converted<'a>, ConverterError> {
    match converter.to_connect_ref(topic, bytes) {
        Some((schema, value)) => Ok(Converted::Ref(schema, value)),
        None => converter.to_connect(topic, bytes).map(Converted::Owned),
    }
}

/// The key and value of `r` through the task's converters.
fn convert<'a>(
    ctx: &'a TaskContext,
    tp: &TopicPartition,
    r: &'a FetchedRecord,
) -> Result<(Converted<'a>, Converted<'a>), TaskError> {
    let topic = &tp.0;
    let failed = |which, e: ConverterError| TaskError::Converter {
        which,
        record: format!("{topic}-{}@{}", tp.1, r.offset),
        message: e.to_string(),
    };
    let key =
        to_connect(&*ctx.converters.key, topic, r.key.as_deref()).map_err(|e| failed("key", e))?;
    let value = to_connect(&*ctx.converters.value, topic, r.value.as_deref())
        .map_err(|e| failed("value", e))?;
    Ok((key, value))
}

/// `pre-commit`, then commits what it returned to the group `connect-<name>`.
async fn commit(
    ctx: &TaskContext,
    task: &mut SinkTaskInstance,
    sink: &mut SinkState,
) -> Result<(), TaskError> {
    if sink.delivered.is_empty() {
        return Ok(());
    }
    let current: Vec<_> = sink
        .delivered
        .iter()
        .map(|(tp, o)| (tp.clone(), *o))
        .collect();
    let safe = match task.pre_commit(&current).await {
        Ok(s) => s,
        Err(e @ SandboxError::Guest(_)) => {
            tracing::warn!(error = %e, "pre-commit failed; offsets not committed");
            return Ok(());
        }
        Err(e) => return Err(TaskError::guest(GuestCall::PreCommit)(e)),
    };
    let to_commit: Vec<(TopicPartition, i64)> = safe
        .into_iter()
        .filter(|(tp, o)| sink.committed.get(tp).is_none_or(|c| o > c))
        .collect();
    if to_commit.is_empty() {
        return Ok(());
    }
    let group = group(ctx);
    match ctx.kafka.groups.commit(&group, &to_commit).await {
        Ok(()) => {
            for (tp, o) in to_commit {
                tracing::debug!(topic = %tp.0, partition = tp.1, offset = o, "offset committed");
                sink.committed.insert(tp, o);
            }
        }
        Err(e) => tracing::warn!(group, error = %e, "offset commit failed"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(
        tp: &TopicPartition,
        offsets: std::ops::Range<i64>,
    ) -> (TopicPartition, VecDeque<FetchedRecord>) {
        let records = offsets
            .map(|offset| FetchedRecord {
                offset,
                key: None,
                value: Some(offset.to_string().into_bytes()),
                headers: Vec::new(),
                timestamp_ms: 0,
            })
            .collect();
        (tp.clone(), records)
    }

    fn offsets(taken: &[(TopicPartition, Vec<FetchedRecord>)]) -> Vec<(i32, Vec<i64>)> {
        taken
            .iter()
            .map(|(tp, rs)| (tp.1, rs.iter().map(|r| r.offset).collect()))
            .collect()
    }

    #[test]
    fn puts_take_at_most_max_poll_records_in_partition_order() {
        let (p0, p1) = (("t".to_owned(), 0), ("t".to_owned(), 1));
        let mut pending: Pending = [records(&p0, 10..13), records(&p1, 20..22)].into();
        assert_eq!(offsets(&take_records(&mut pending, 2)), [(0, vec![10, 11])]);
        assert_eq!(
            offsets(&take_records(&mut pending, 2)),
            [(0, vec![12]), (1, vec![20])]
        );
        assert_eq!(offsets(&take_records(&mut pending, 2)), [(1, vec![21])]);
        assert!(pending.is_empty());
        assert!(take_records(&mut pending, 2).is_empty());
        // A cap of 0 still delivers one record, as a consumer's poll would.
        let mut pending: Pending = [records(&p0, 0..2)].into();
        assert_eq!(offsets(&take_records(&mut pending, 0)), [(0, vec![0])]);
    }
}
