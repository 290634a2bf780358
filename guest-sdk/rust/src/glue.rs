//! The glue between the SDK traits and the wit-bindgen exports, used by [`export_source!`]
//! and [`export_sink!`]. Not public API: re-exported as `__private` for the macros only.
//!
//! Connector-level state lives in a thread-local slot created at `start` (a component
//! instance is single-threaded); a task is the WIT `task` resource, with its state in a
//! `RefCell` because resource methods take `&self`. Nothing here panics on bad input or a
//! missing state: it returns `fatal`.
//!
//! [`export_source!`]: crate::export_source
//! [`export_sink!`]: crate::export_sink

use std::any::Any;
use std::cell::{RefCell, RefMut};
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use wasmconnect_data::batch;

use crate::plugin_bindings::exports::wasmconnect::connector::connector as wit_connector;
pub(crate) use crate::plugin_bindings::wasmconnect::connector::types as wit;
use crate::sink_bindings::exports::wasmconnect::connector::sink_task as wit_sink;
use crate::source_bindings::exports::wasmconnect::connector::source_task as wit_source;
use crate::{
    Config, ConfigDef, ConfigDefault, ConfigType, ConfigValue, ConnectError, Connector, Importance,
    OffsetMap, OffsetValue, PartitionOffset, PluginInfo, RecordMetadata, SinkTask, SourceBatch,
    SourceRecord, SourceTask, TopicPartition, Width,
};

type WitResult<T> = Result<T, wit::ConnectError>;

fn fatal(message: &str) -> wit::ConnectError {
    wit::ConnectError::Fatal(message.to_owned())
}

// --- conversions ------------------------------------------------------------------------------

pub(crate) fn error_to_wit(e: ConnectError) -> wit::ConnectError {
    match e {
        ConnectError::Retriable(m) => wit::ConnectError::Retriable(m),
        ConnectError::Fatal(m) => wit::ConnectError::Fatal(m),
    }
}

fn config_from_wit(config: wit::Config) -> Config {
    config.into_iter().collect()
}

fn config_to_wit(config: Config) -> wit::Config {
    config.into_iter().collect()
}

#[cfg_attr(
    not(target_arch = "wasm32"),
    allow(dead_code, reason = "imports are wasm-only")
)]
pub(crate) fn offset_map_to_wit(map: &OffsetMap) -> wit::OffsetMap {
    map.iter()
        .map(|(k, v)| {
            let v = match v {
                OffsetValue::Null => wit::OffsetValue::Null,
                OffsetValue::Boolean(b) => wit::OffsetValue::Boolean(*b),
                OffsetValue::Int64(i) => wit::OffsetValue::Int64(*i),
                OffsetValue::Float64(f) => wit::OffsetValue::Float64(*f),
                OffsetValue::String(s) => wit::OffsetValue::String(s.clone()),
                OffsetValue::Bytes(b) => wit::OffsetValue::Bytes(b.clone()),
            };
            (k.clone(), v)
        })
        .collect()
}

#[cfg_attr(
    not(target_arch = "wasm32"),
    allow(dead_code, reason = "imports are wasm-only")
)]
pub(crate) fn offset_map_from_wit(map: wit::OffsetMap) -> OffsetMap {
    map.into_iter()
        .map(|(k, v)| {
            let v = match v {
                wit::OffsetValue::Null => OffsetValue::Null,
                wit::OffsetValue::Boolean(b) => OffsetValue::Boolean(b),
                wit::OffsetValue::Int64(i) => OffsetValue::Int64(i),
                wit::OffsetValue::Float64(f) => OffsetValue::Float64(f),
                wit::OffsetValue::String(s) => OffsetValue::String(s),
                wit::OffsetValue::Bytes(b) => OffsetValue::Bytes(b),
            };
            (k, v)
        })
        .collect()
}

#[cfg_attr(
    not(target_arch = "wasm32"),
    allow(dead_code, reason = "imports are wasm-only")
)]
pub(crate) fn partitions_to_wit(partitions: &[TopicPartition]) -> Vec<wit::TopicPartition> {
    partitions
        .iter()
        .map(|p| wit::TopicPartition {
            topic: p.topic.clone(),
            partition: p.partition,
        })
        .collect()
}

fn partitions_from_wit(partitions: Vec<wit::TopicPartition>) -> Vec<TopicPartition> {
    partitions
        .into_iter()
        .map(|p| TopicPartition {
            topic: p.topic,
            partition: p.partition,
        })
        .collect()
}

#[cfg_attr(
    not(target_arch = "wasm32"),
    allow(dead_code, reason = "imports are wasm-only")
)]
pub(crate) fn offsets_to_wit(offsets: &[PartitionOffset]) -> Vec<wit::PartitionOffset> {
    offsets
        .iter()
        .map(|o| wit::PartitionOffset {
            topic: o.topic.clone(),
            partition: o.partition,
            offset: o.offset,
        })
        .collect()
}

fn offsets_from_wit(offsets: Vec<wit::PartitionOffset>) -> Vec<PartitionOffset> {
    offsets
        .into_iter()
        .map(|o| PartitionOffset {
            topic: o.topic,
            partition: o.partition,
            offset: o.offset,
        })
        .collect()
}

fn plugin_info_to_wit(info: PluginInfo) -> wit::PluginInfo {
    wit::PluginInfo {
        class_name: info.class_name,
        aliases: info.aliases,
        version: info.version,
        description: info.description,
    }
}

fn config_def_to_wit(def: ConfigDef) -> Vec<wit::ConfigKey> {
    def.keys()
        .iter()
        .map(|k| wit::ConfigKey {
            name: k.name.clone(),
            type_: match k.config_type {
                ConfigType::Boolean => wit::ConfigType::Boolean,
                ConfigType::String => wit::ConfigType::String,
                ConfigType::Int => wit::ConfigType::Int,
                ConfigType::Short => wit::ConfigType::Short,
                ConfigType::Long => wit::ConfigType::Long,
                ConfigType::Double => wit::ConfigType::Double,
                ConfigType::List => wit::ConfigType::List,
                ConfigType::Class => wit::ConfigType::Class,
                ConfigType::Password => wit::ConfigType::Password,
            },
            default_value: match &k.default_value {
                ConfigDefault::Required => wit::ConfigDefault::Required,
                ConfigDefault::Null => wit::ConfigDefault::NullValue,
                ConfigDefault::Value(v) => wit::ConfigDefault::Value(v.clone()),
            },
            importance: match k.importance {
                Importance::High => wit::Importance::High,
                Importance::Medium => wit::Importance::Medium,
                Importance::Low => wit::Importance::Low,
            },
            documentation: k.documentation.clone(),
            group: k.group.clone(),
            order_in_group: k.order_in_group,
            width: match k.width {
                Width::None => wit::Width::None,
                Width::Short => wit::Width::Short,
                Width::Medium => wit::Width::Medium,
                Width::Long => wit::Width::Long,
            },
            display_name: k.display_name.clone(),
            dependents: k.dependents.clone(),
        })
        .collect()
}

fn config_values_to_wit(values: Vec<ConfigValue>) -> Vec<wit::ConfigValue> {
    values
        .into_iter()
        .map(|v| wit::ConfigValue {
            name: v.name,
            value: v.value,
            recommended_values: v.recommended_values,
            errors: v.errors,
            visible: v.visible,
        })
        .collect()
}

// --- the connector level ------------------------------------------------------------------

thread_local! {
    /// The started connector, type-erased so one slot serves every connector type.
    static CONNECTOR: RefCell<Option<Box<dyn Any>>> = const { RefCell::new(None) };
}

fn connector_start<C: Default + 'static>(
    start: impl FnOnce(&mut C) -> Result<(), ConnectError>,
) -> WitResult<()> {
    let mut connector = C::default();
    start(&mut connector).map_err(error_to_wit)?;
    CONNECTOR.with(|slot| match slot.try_borrow_mut() {
        Ok(mut slot) => {
            *slot = Some(Box::new(connector));
            Ok(())
        }
        Err(_) => Err(fatal("connector called re-entrantly")),
    })
}

fn with_connector<C: 'static, R>(
    f: impl FnOnce(&mut C) -> Result<R, ConnectError>,
) -> WitResult<R> {
    CONNECTOR.with(|slot| {
        let mut slot = slot
            .try_borrow_mut()
            .map_err(|_| fatal("connector called re-entrantly"))?;
        let connector = slot
            .as_mut()
            .and_then(|c| c.downcast_mut::<C>())
            .ok_or_else(|| fatal("connector not started"))?;
        f(connector).map_err(error_to_wit)
    })
}

fn connector_stop<C: 'static>(
    stop: impl FnOnce(&mut C) -> Result<(), ConnectError>,
) -> WitResult<()> {
    let taken = CONNECTOR.with(|slot| match slot.try_borrow_mut() {
        Ok(mut slot) => Ok(slot.take()),
        Err(_) => Err(fatal("connector called re-entrantly")),
    })?;
    match taken.and_then(|c| c.downcast::<C>().ok()) {
        Some(mut connector) => stop(&mut connector).map_err(error_to_wit),
        None => Ok(()), // never started: nothing to stop
    }
}

/// The exported plugin of a connector `C` with tasks `T`, a [`SourceTask`] or a [`SinkTask`].
pub struct Plugin<C, T>(PhantomData<(C, T)>);

impl<C, T> fmt::Debug for Plugin<C, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Plugin")
    }
}

impl<C: Connector, T: 'static> wit_connector::Guest for Plugin<C, T> {
    fn info() -> wit::PluginInfo {
        plugin_info_to_wit(C::info())
    }

    fn config_def() -> Vec<wit::ConfigKey> {
        config_def_to_wit(C::config_def())
    }

    fn validate(config: wit::Config) -> Vec<wit::ConfigValue> {
        config_values_to_wit(C::validate(&config_from_wit(config)))
    }

    fn start(config: wit::Config) -> WitResult<()> {
        let config = config_from_wit(config);
        connector_start::<C>(|c| c.start(config))
    }

    fn task_configs(max_tasks: u32) -> WitResult<Vec<wit::Config>> {
        let configs = with_connector::<C, _>(|c| c.task_configs(max_tasks))?;
        Ok(configs.into_iter().map(config_to_wit).collect())
    }

    fn stop() -> WitResult<()> {
        connector_stop::<C>(|c| c.stop())
    }
}

// --- source -------------------------------------------------------------------------------

impl<C: Connector, T: SourceTask> wit_source::Guest for Plugin<C, T> {
    type Task = SourceTaskResource<T>;
}

/// The `task` resource of a source plugin.
pub struct SourceTaskResource<T> {
    state: RefCell<SourceState<T>>,
}

struct SourceState<T> {
    task: Option<T>,
    /// Sequence number of the next `poll` that returns a batch.
    poll_seq: u64,
    /// Polled records not yet acknowledged, by poll sequence number (only with
    /// `T::COMMIT_RECORD`).
    pending: BTreeMap<u64, Pending>,
    /// Bytes of the last batch returned by `poll`.
    last_batch_len: usize,
}

struct Pending {
    records: Vec<Option<SourceRecord>>,
    remaining: usize,
}

impl<T> fmt::Debug for SourceTaskResource<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SourceTaskResource")
    }
}

impl<T: SourceTask> SourceTaskResource<T> {
    fn state(&self) -> WitResult<RefMut<'_, SourceState<T>>> {
        self.state
            .try_borrow_mut()
            .map_err(|_| fatal("task called re-entrantly"))
    }
}

fn task_not_started() -> wit::ConnectError {
    fatal("task not started (or already stopped)")
}

impl<T: SourceTask> wit_source::GuestTask for SourceTaskResource<T> {
    fn new() -> Self {
        Self {
            state: RefCell::new(SourceState {
                task: None,
                poll_seq: 0,
                pending: BTreeMap::new(),
                last_batch_len: 0,
            }),
        }
    }

    fn start(&self, config: wit::Config) -> WitResult<wit_source::TaskOptions> {
        let task = T::start(config_from_wit(config)).map_err(error_to_wit)?;
        let mut st = self.state()?;
        st.task = Some(task);
        st.poll_seq = 0;
        st.pending.clear();
        Ok(wit_source::TaskOptions {
            commit_record: T::COMMIT_RECORD,
        })
    }

    fn poll(&self) -> WitResult<wit::RecordBatch> {
        let mut st = self.state()?;
        // Room for as much as the last batch took, so the buffer is not grown while filled.
        let mut out = SourceBatch::with_capacity(st.last_batch_len);
        let task = st.task.as_mut().ok_or_else(task_not_started)?;
        task.poll_batch(&mut out).map_err(error_to_wit)?;
        let batch = out.finish();
        st.last_batch_len = batch.len();
        let seq = st.poll_seq;
        st.poll_seq += 1;
        if T::COMMIT_RECORD {
            // commit-record hands each record back: keep them, as read from the batch.
            let records = batch::decode_source(&batch)
                .map_err(|e| fatal(&format!("the task's batch cannot be read back: {e}")))?;
            if records.is_empty() {
                return Ok(batch);
            }
            st.pending.insert(
                seq,
                Pending {
                    remaining: records.len(),
                    records: records.into_iter().map(Some).collect(),
                },
            );
        }
        Ok(batch)
    }

    fn commit(&self) -> WitResult<()> {
        let mut st = self.state()?;
        let task = st.task.as_mut().ok_or_else(task_not_started)?;
        task.commit().map_err(error_to_wit)
    }

    fn commit_records(&self, acks: Vec<wit::RecordAck>) -> WitResult<()> {
        if !T::COMMIT_RECORD {
            return Ok(());
        }
        let mut st = self.state()?;
        let SourceState { task, pending, .. } = &mut *st;
        let task = task.as_mut().ok_or_else(task_not_started)?;
        for ack in acks {
            let unknown = || {
                wit::ConnectError::Fatal(format!(
                    "acknowledgement of an unknown or already acknowledged record: index {} \
                     of poll {}",
                    ack.index, ack.poll_seq
                ))
            };
            let batch = pending.get_mut(&ack.poll_seq).ok_or_else(unknown)?;
            let record = batch
                .records
                .get_mut(ack.index as usize)
                .and_then(Option::take)
                .ok_or_else(unknown)?;
            batch.remaining -= 1;
            if batch.remaining == 0 {
                pending.remove(&ack.poll_seq);
            }
            let metadata = ack.metadata.map(|m| RecordMetadata {
                topic: m.topic,
                partition: m.partition,
                offset: m.offset,
                timestamp: m.timestamp,
            });
            task.commit_record(&record, metadata.as_ref())
                .map_err(error_to_wit)?;
        }
        Ok(())
    }

    fn stop(&self) -> WitResult<()> {
        let mut st = self.state()?;
        st.pending.clear();
        match st.task.take() {
            Some(mut task) => task.stop().map_err(error_to_wit),
            None => Ok(()),
        }
    }
}

// --- sink ---------------------------------------------------------------------------------

impl<C: Connector, T: SinkTask> wit_sink::Guest for Plugin<C, T> {
    type Task = SinkTaskResource<T>;
}

/// The `task` resource of a sink plugin.
pub struct SinkTaskResource<T> {
    task: RefCell<Option<T>>,
}

impl<T> fmt::Debug for SinkTaskResource<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SinkTaskResource")
    }
}

impl<T: SinkTask> SinkTaskResource<T> {
    fn with_task<R>(&self, f: impl FnOnce(&mut T) -> Result<R, ConnectError>) -> WitResult<R> {
        let mut task = self
            .task
            .try_borrow_mut()
            .map_err(|_| fatal("task called re-entrantly"))?;
        let task = task.as_mut().ok_or_else(task_not_started)?;
        f(task).map_err(error_to_wit)
    }
}

impl<T: SinkTask> wit_sink::GuestTask for SinkTaskResource<T> {
    fn new() -> Self {
        Self {
            task: RefCell::new(None),
        }
    }

    fn start(&self, config: wit::Config) -> WitResult<()> {
        let task = T::start(config_from_wit(config)).map_err(error_to_wit)?;
        let mut slot = self
            .task
            .try_borrow_mut()
            .map_err(|_| fatal("task called re-entrantly"))?;
        *slot = Some(task);
        Ok(())
    }

    fn open(&self, partitions: Vec<wit::TopicPartition>) -> WitResult<()> {
        let partitions = partitions_from_wit(partitions);
        self.with_task(|t| t.open(&partitions))
    }

    fn put(&self, batch: wit::RecordBatch) -> WitResult<()> {
        let records = batch::decode_sink_views(&batch).map_err(|e| {
            wit::ConnectError::Fatal(format!("cannot decode the records given to put: {e}"))
        })?;
        self.with_task(|t| t.put_batch(&records))
    }

    fn pre_commit(
        &self,
        current: Vec<wit::PartitionOffset>,
    ) -> WitResult<Vec<wit::PartitionOffset>> {
        let current = offsets_from_wit(current);
        let committable = self.with_task(|t| t.pre_commit(&current))?;
        Ok(offsets_to_wit(&committable))
    }

    fn close(&self, partitions: Vec<wit::TopicPartition>) -> WitResult<()> {
        let partitions = partitions_from_wit(partitions);
        self.with_task(|t| t.close(&partitions))
    }

    fn stop(&self) -> WitResult<()> {
        let taken = self
            .task
            .try_borrow_mut()
            .map_err(|_| fatal("task called re-entrantly"))?
            .take();
        match taken {
            Some(mut task) => task.stop().map_err(error_to_wit),
            None => Ok(()),
        }
    }
}
