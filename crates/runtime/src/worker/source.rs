//! The source loop.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tracing::Instrument;
use wasmconnect_api::State;
use wasmconnect_data::batch::{self, SourceRecordView};
use wasmconnect_data::{OffsetMap, Value};
use wasmconnect_kafka::OutRecord;
use wasmconnect_sandbox::{OffsetReader, RecordAck, SandboxError, SourceTaskInstance};

use super::{Backoff, Control, Converters, GuestCall, TaskContext, TaskError};
use crate::storage::OffsetBackingStore;

/// How long to wait before polling again after an empty batch: the first, then, once
/// `IDLE_POLLS` batches in a row were empty, doubling up to the last (Kafka's
/// FileStreamSourceTask waits 1 s), so a thousand idle tasks cost next to no CPU while a busy
/// task that sees an occasional empty batch is not slowed. The first record resets it.
const IDLE_WAIT: (Duration, Duration) = (Duration::from_millis(50), Duration::from_secs(1));
const IDLE_POLLS: u32 = 20;

/// Offsets of the worker's offset store, for `offset-reader`.
#[derive(Debug)]
struct StoreReader(Arc<dyn OffsetBackingStore>);

impl OffsetReader for StoreReader {
    fn offsets(&self, connector: &str, partitions: &[OffsetMap]) -> Vec<Option<OffsetMap>> {
        partitions
            .iter()
            .map(|p| self.0.get(connector, p))
            .collect()
    }
}

/// Runs one source task until it is stopped or fails.
pub(super) async fn run(mut ctx: TaskContext) {
    let reader = Arc::new(StoreReader(ctx.offsets.clone()));
    let mut task = match ctx
        .sandbox
        .source_task(&ctx.plugin, &ctx.id.connector, &ctx.limits, reader.clone())
        .await
    {
        Ok(t) => t,
        Err(e) => return ctx.fail(&TaskError::guest(GuestCall::Instantiate)(e)),
    };
    let wants_acks = match task.start(&ctx.task_config).await {
        Ok(w) => w,
        Err(e) => return ctx.fail(&TaskError::guest(GuestCall::Start)(e)),
    };
    ctx.status.set(State::Running);
    tracing::info!("source task started");
    match source_loop(&mut ctx, &mut task, wants_acks, &reader).await {
        Ok(()) => {
            if let Err(e) = task.stop().await {
                tracing::warn!(error = %e, "task stop failed");
            }
            tracing::info!("source task stopped");
        }
        Err(e) => ctx.fail(&e),
    }
}

/// Offsets acked by Kafka but not yet written to the store: the latest offset per source
/// partition. Few partitions per task is the rule, so a list searched from its most recently
/// added end beats formatting or hashing every record's partition.
#[derive(Debug, Default)]
struct PendingOffsets(Vec<(OffsetMap, OffsetMap)>);

impl PendingOffsets {
    fn add(&mut self, partition: OffsetMap, offset: OffsetMap) {
        if partition.is_empty() && offset.is_empty() {
            return;
        }
        match self.0.iter_mut().rev().find(|(p, _)| *p == partition) {
            Some(entry) => entry.1 = offset,
            None => self.0.push((partition, offset)),
        }
    }
}

/// Where each record of a batch went: (topic, partition, offset), in batch order; kept
/// only for a task that wants `commit-records`.
type Written = Vec<(String, i32, i64)>;

/// A batch handed to Kafka while the next one is polled and converted.
struct InFlight {
    seq: u64,
    /// The last source offset of each source partition in the batch, in batch order.
    offsets: Vec<(OffsetMap, OffsetMap)>,
    /// Each record's timestamp, for `commit-records` (empty when the task does not want it).
    timestamps: Vec<Option<i64>>,
    /// Where each record sent came from in the polled batch, and how many that held, when
    /// the stage dropped or replaced records.
    origin: Option<(Vec<u32>, usize)>,
    send: tokio::task::JoinHandle<Result<Written, TaskError>>,
}

/// The last source offset of each source partition of a batch, ordered by where each
/// partition last appears, so adding them in order leaves every partition at its last
/// record. Compared as encoded, decoded once per partition rather than once per record.
fn last_offsets(records: &[SourceRecordView<'_>]) -> Vec<(OffsetMap, OffsetMap)> {
    let mut last: Vec<(batch::RawOffsetMap<'_>, batch::RawOffsetMap<'_>, usize)> = Vec::new();
    for (i, r) in records.iter().enumerate() {
        if r.source_partition.is_empty() && r.source_offset.is_empty() {
            continue;
        }
        match last.iter_mut().rev().find(|e| e.0 == r.source_partition) {
            Some(e) => {
                e.1 = r.source_offset;
                e.2 = i;
            }
            None => last.push((r.source_partition, r.source_offset, i)),
        }
    }
    last.sort_by_key(|e| e.2);
    last.into_iter()
        .map(|(p, o, _)| (p.to_map(), o.to_map()))
        .collect()
}

async fn source_loop(
    ctx: &mut TaskContext,
    task: &mut SourceTaskInstance,
    mut wants_acks: bool,
    reader: &Arc<StoreReader>,
) -> Result<(), TaskError> {
    let mut backoff = Backoff::new();
    let mut pending = PendingOffsets::default();
    let mut last_flush = Instant::now();
    // One batch at a time is with Kafka, so records keep their order across batches; the
    // next poll and its conversion overlap that batch's round trip.
    let mut in_flight: Option<InFlight> = None;
    let mut idle_wait = IDLE_WAIT.0;
    let mut empty_polls = 0u32;
    loop {
        if ctx.stopping() {
            break;
        }
        if ctx.control.paused() {
            land(task, &mut in_flight, &mut pending, wants_acks).await?;
            flush_offsets(ctx, task, &mut pending).await?;
            if !ctx.wait_runnable().await {
                break;
            }
        }
        let (seq, polled) = match task.poll().await {
            Ok(b) => b,
            Err(e) if e.is_retriable() => {
                tracing::warn!(error = %e, "poll failed, retrying");
                ctx.sleep(backoff.next()).await;
                continue;
            }
            Err(e) => return Err(TaskError::guest(GuestCall::Poll)(e)),
        };
        backoff.reset();
        ctx.metrics.observe(task.usage());
        ctx.connector_requests(&task.take_requests())?;
        // The records to convert: as polled, or as the stage made them.
        let staged = ctx.stage.apply(&polled)?;
        let (bytes, origin) = match staged {
            None => (polled, None),
            Some(s) => {
                let polled = decode(&polled)?;
                (
                    s.batch,
                    Some((s.origin, last_offsets(&polled), polled.len())),
                )
            }
        };
        let records = decode(&bytes)?;
        let mut checked = "";
        for r in &records {
            // Records of a batch mostly share their topic: check each name once in a row.
            if r.topic != checked {
                if !valid_topic(r.topic) {
                    return Err(contract(format!(
                        "poll returned a record for an invalid topic name {:?} (1 to 249 of [a-zA-Z0-9._-], not . or ..)",
                        r.topic
                    )));
                }
                checked = r.topic;
                // Topic lookup or creation overlaps the conversion below.
                ctx.kafka.producer.prepare_topic(r.topic);
            }
        }
        if records.is_empty() && origin.is_none() {
            land(task, &mut in_flight, &mut pending, wants_acks).await?;
            if last_flush.elapsed() >= ctx.flush_interval {
                flush_offsets(ctx, task, &mut pending).await?;
                last_flush = Instant::now();
            }
            if let Some(w) = recycle_if_due(ctx, task, &mut pending, reader).await? {
                wants_acks = w;
            }
            ctx.sleep(idle_wait).await;
            empty_polls = empty_polls.saturating_add(1);
            if empty_polls >= IDLE_POLLS {
                idle_wait = (idle_wait * 2).min(IDLE_WAIT.1);
            }
            continue;
        }
        idle_wait = IDLE_WAIT.0;
        empty_polls = 0;
        ctx.metrics
            .records
            .fetch_add(records.len() as u64, std::sync::atomic::Ordering::Relaxed);
        let converted = convert_batch(&ctx.converters, &records)?;
        let timestamps = if wants_acks {
            records.iter().map(|r| r.timestamp).collect()
        } else {
            Vec::new()
        };
        let count = records.len();
        // Offsets come from the records as polled: a record the stage dropped still moves
        // its partition on, as in Kafka Connect.
        let (offsets, origin) = match origin {
            None => (last_offsets(&records), None),
            Some((kept, offsets, polled_count)) => {
                let kept = kept.unwrap_or_else(|| (0..count as u32).collect());
                (offsets, Some((kept, polled_count)))
            }
        };
        drop(records);
        land(task, &mut in_flight, &mut pending, wants_acks).await?;
        // The bytes stay with the send, for a retry to convert them again.
        let send = tokio::spawn(
            send_batch(ctx.send_context(), converted, bytes, count, wants_acks)
                .instrument(tracing::Span::current()),
        );
        in_flight = Some(InFlight {
            seq,
            offsets,
            timestamps,
            origin,
            send,
        });
        if last_flush.elapsed() >= ctx.flush_interval {
            flush_offsets(ctx, task, &mut pending).await?;
            last_flush = Instant::now();
        }
        let (memory, calls) = task.usage();
        if ctx.limits.recycle.reason(memory, calls).is_some() {
            land(task, &mut in_flight, &mut pending, wants_acks).await?;
            if let Some(w) = recycle_if_due(ctx, task, &mut pending, reader).await? {
                wants_acks = w;
            }
        }
    }
    land(task, &mut in_flight, &mut pending, wants_acks).await?;
    flush_offsets(ctx, task, &mut pending).await
}

/// Waits for the batch with Kafka, if any: tells the task where its records went
/// (`commit-records`) and queues their source offsets for the next flush.
async fn land(
    task: &mut SourceTaskInstance,
    in_flight: &mut Option<InFlight>,
    pending: &mut PendingOffsets,
    wants_acks: bool,
) -> Result<(), TaskError> {
    let Some(InFlight {
        seq,
        offsets,
        timestamps,
        origin,
        send,
    }) = in_flight.take()
    else {
        return Ok(());
    };
    let written = send
        .await
        .map_err(|e| TaskError::Internal(format!("produce task failed: {e}")))??;
    if wants_acks {
        let metadata = written
            .into_iter()
            .enumerate()
            .map(|(i, (topic, partition, offset))| Some((topic, partition, offset, timestamps[i])));
        let acks = match origin {
            None => metadata
                .enumerate()
                .map(|(i, metadata)| RecordAck {
                    poll_seq: seq,
                    index: i as u32,
                    metadata,
                })
                .collect(),
            // Every polled record is acknowledged: those the stage dropped without metadata.
            Some((kept, polled)) => {
                let mut acks: Vec<RecordAck> = (0..polled as u32)
                    .map(|index| RecordAck {
                        poll_seq: seq,
                        index,
                        metadata: None,
                    })
                    .collect();
                for (from, metadata) in kept.into_iter().zip(metadata) {
                    if let Some(ack) = acks.get_mut(from as usize) {
                        ack.metadata = metadata;
                    }
                }
                acks
            }
        };
        task.commit_records(acks)
            .await
            .map_err(TaskError::guest(GuestCall::CommitRecords))?;
    }
    for (partition, offset) in offsets {
        pending.add(partition, offset);
    }
    Ok(())
}

/// Replaces the task's instance with a fresh one once `wasm.recycle.*` says so. Called
/// where every polled record is acknowledged: the offsets are written first, so the fresh
/// instance resumes exactly after the last record, with nothing lost or repeated. Returns
/// the fresh instance's `commit-record` wish if it recycled.
async fn recycle_if_due(
    ctx: &TaskContext,
    task: &mut SourceTaskInstance,
    pending: &mut PendingOffsets,
    reader: &Arc<StoreReader>,
) -> Result<Option<bool>, TaskError> {
    let (memory, calls) = task.usage();
    let Some(reason) = ctx.limits.recycle.reason(memory, calls) else {
        return Ok(None);
    };
    flush_offsets(ctx, task, pending).await?;
    let fresh = ctx
        .sandbox
        .source_task(&ctx.plugin, &ctx.id.connector, &ctx.limits, reader.clone())
        .await
        .map_err(TaskError::guest(GuestCall::Instantiate))?;
    let old = std::mem::replace(task, fresh);
    if let Err(e) = old.stop().await {
        tracing::warn!(error = %e, "stop of the recycled instance failed");
    }
    let wants_acks = task
        .start(&ctx.task_config)
        .await
        .map_err(TaskError::guest(GuestCall::Start))?;
    ctx.metrics
        .instance_recycles
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    ctx.metrics.observe(task.usage());
    tracing::info!(reason, "task instance recycled");
    Ok(Some(wants_acks))
}

/// Writes acked offsets to the store, then tells the task (`commit`).
async fn flush_offsets(
    ctx: &TaskContext,
    task: &mut SourceTaskInstance,
    pending: &mut PendingOffsets,
) -> Result<(), TaskError> {
    if pending.0.is_empty() {
        return Ok(());
    }
    let entries = std::mem::take(&mut pending.0);
    if let Err(e) = ctx.offsets.commit(&ctx.id.connector, entries).await {
        // Keep running: the records are in Kafka; the next flush writes newer offsets.
        tracing::error!(error = %e, "cannot write source offsets");
        return Ok(());
    }
    tracing::debug!("source offsets flushed");
    match task.commit().await {
        Ok(()) => Ok(()),
        Err(e @ SandboxError::Guest(_)) => {
            tracing::warn!(error = %e, "task commit failed");
            Ok(())
        }
        Err(e) => Err(TaskError::guest(GuestCall::Commit)(e)),
    }
}

/// The records of a batch the guest returned (or a stage made of it).
fn decode(bytes: &[u8]) -> Result<Vec<SourceRecordView<'_>>, TaskError> {
    batch::decode_source_views(bytes)
        .map_err(|e| contract(format!("poll returned a bad batch: {e}")))
}

/// The guest broke the contract in what `poll` returned.
fn contract(message: String) -> TaskError {
    TaskError::guest(GuestCall::Poll)(SandboxError::Contract(message))
}

/// A batch converted for Kafka: per topic, each record's index in the batch and its bytes.
type Converted = Vec<(String, Vec<usize>, Vec<OutRecord>)>;

/// Converts a polled batch with the task's converters.
fn convert_batch(c: &Converters, records: &[SourceRecordView<'_>]) -> Result<Converted, TaskError> {
    let mut by_topic: Vec<(&str, Vec<usize>, Vec<OutRecord>)> = Vec::new();
    for (i, r) in records.iter().enumerate() {
        let out = convert(c, r)?;
        // Few topics per batch, usually one: a short list beats a map.
        let entry = match by_topic.iter().position(|e| e.0 == r.topic) {
            Some(k) => &mut by_topic[k],
            None => {
                by_topic.push((r.topic, Vec::new(), Vec::with_capacity(records.len())));
                by_topic.last_mut().expect("just pushed")
            }
        };
        entry.1.push(i);
        entry.2.push(out);
    }
    by_topic.sort_by(|a, b| a.0.cmp(b.0));
    Ok(by_topic
        .into_iter()
        .map(|(t, i, o)| (t.to_owned(), i, o))
        .collect())
}

/// What a batch being sent needs of the task: the producer, the stop signal, and the
/// converters (a retry converts the records again rather than keep a copy of every batch).
pub(super) struct SendContext {
    producer: Arc<wasmconnect_kafka::Producer>,
    control: Control,
    converters: Converters,
}

impl TaskContext {
    fn send_context(&self) -> SendContext {
        SendContext {
            producer: self.kafka.producer.clone(),
            control: self.control.clone(),
            converters: self.converters.clone(),
        }
    }
}

/// Produces a converted batch; retries until Kafka takes it or the task is stopped.
/// Returns (topic, partition, offset) per record, in batch order, if `written` is asked for
/// (for `commit-records`); an empty list otherwise.
async fn send_batch(
    mut ctx: SendContext,
    batch: Converted,
    polled: Vec<u8>,
    count: usize,
    written: bool,
) -> Result<Written, TaskError> {
    let mut result = if written {
        vec![(String::new(), 0, 0); count]
    } else {
        Vec::new()
    };
    let mut backoff = Backoff::new();
    for (topic, indices, outs) in batch {
        let mut outs = Some(outs);
        loop {
            let attempt = match outs.take() {
                Some(o) => o,
                // The first attempt consumed the bytes: convert this topic's records again
                // from the batch as polled (read before, so it cannot fail now).
                None => {
                    let records = decode(&polled)?;
                    indices
                        .iter()
                        .map(|i| convert(&ctx.converters, &records[*i]))
                        .collect::<Result<Vec<_>, _>>()?
                }
            };
            match ctx.producer.send(&topic, attempt).await {
                Ok(offsets) => {
                    if written {
                        for (i, (p, o)) in indices.iter().zip(offsets) {
                            result[*i] = (topic.clone(), p, o);
                        }
                    }
                    break;
                }
                Err(e) if !e.is_retriable() => {
                    return Err(TaskError::Kafka {
                        operation: format!("produce to topic {topic}"),
                        message: e.to_string(),
                    });
                }
                Err(e) => {
                    tracing::warn!(topic, error = %e, "produce failed, retrying");
                    if ctx.control.stopping() {
                        return Err(TaskError::Kafka {
                            operation: format!("produce to topic {topic}"),
                            message: format!("stopped while retrying: {e}"),
                        });
                    }
                    let d = backoff.next();
                    let _ = tokio::time::timeout(d, ctx.control.changed()).await;
                }
            }
        }
    }
    Ok(result)
}

fn convert(c: &Converters, r: &SourceRecordView<'_>) -> Result<OutRecord, TaskError> {
    let failed = |which, e: wasmconnect_converters::ConverterError| TaskError::Converter {
        which,
        record: format!("topic {}", r.topic),
        message: e.to_string(),
    };
    let key = if r.key.is_null() && r.key_schema.is_none() {
        None
    } else {
        c.key
            .from_connect(r.topic, r.key_schema.as_deref(), &r.key)
            .map_err(|e| failed("key", e))?
    };
    let value = c
        .value
        .from_connect(r.topic, r.value_schema.as_deref(), &r.value)
        .map_err(|e| failed("value", e))?;
    let headers = r
        .headers
        .iter()
        .map(|h| (h.key.clone(), header_bytes(&h.value)))
        .collect();
    Ok(OutRecord {
        partition: r.kafka_partition,
        key,
        value,
        headers,
        timestamp_ms: r.timestamp,
    })
}

/// Header value bytes, as Connect's `SimpleHeaderConverter` writes simple values.
fn header_bytes(v: &Value) -> Vec<u8> {
    match v {
        Value::Null => Vec::new(),
        Value::String(s) => s.clone().into_bytes(),
        Value::Bytes(b) => b.clone(),
        Value::Boolean(b) => b.to_string().into_bytes(),
        Value::Int8(i) => i.to_string().into_bytes(),
        Value::Int16(i) => i.to_string().into_bytes(),
        Value::Int32(i) => i.to_string().into_bytes(),
        Value::Int64(i) => i.to_string().into_bytes(),
        Value::Float32(f) => f.to_string().into_bytes(),
        Value::Float64(f) => f.to_string().into_bytes(),
        other => format!("{other:?}").into_bytes(),
    }
}

/// Kafka's rule for topic names (`Topic.validate`).
fn valid_topic(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 249
        && name != "."
        && name != ".."
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::valid_topic;

    #[test]
    fn topic_names_follow_kafka() {
        assert!(valid_topic("connect-test"));
        assert!(valid_topic("a.b_c-D9"));
        assert!(valid_topic(&"x".repeat(249)));
        for bad in ["", ".", "..", "a b", "a/b", "ü", &"x".repeat(250)] {
            assert!(!valid_topic(bad), "{bad:?}");
        }
    }
}
