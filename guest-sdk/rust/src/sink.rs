//! Sink connectors and tasks: consume from Kafka, write to an external system.

#[cfg(target_arch = "wasm32")]
use crate::sink_bindings::wasmconnect::connector::sink_context;
use crate::{Config, ConnectError, SinkRecord, SinkRecordView};

/// A sink task (`SinkTask`). Each task runs in its own sandbox.
pub trait SinkTask: Sized + 'static {
    /// Starts a task with one of the configurations from `task_configs`.
    fn start(config: Config) -> Result<Self, ConnectError>;

    /// These partitions are now assigned to the task.
    fn open(&mut self, partitions: &[TopicPartition]) -> Result<(), ConnectError> {
        let _ = partitions;
        Ok(())
    }

    /// Delivers records. A [`ConnectError::Retriable`] makes the worker deliver the same
    /// records again.
    ///
    /// Implement this or [`put_batch`](Self::put_batch).
    fn put(&mut self, records: Vec<SinkRecord>) -> Result<(), ConnectError> {
        let _ = records;
        Err(ConnectError::Fatal(
            "the sink task implements neither put nor put_batch".into(),
        ))
    }

    /// Delivers records read by reference from the batch the worker sent: topics, byte and
    /// string keys and values borrow it ([`ValueRef`](crate::ValueRef)), so nothing is
    /// allocated per record. By default makes owned records and calls [`put`](Self::put).
    fn put_batch(&mut self, records: &[SinkRecordView<'_>]) -> Result<(), ConnectError> {
        self.put(records.iter().map(SinkRecordView::to_record).collect())
    }

    /// Makes everything delivered so far durable (`SinkTask.flush`).
    fn flush(&mut self, current: &[PartitionOffset]) -> Result<(), ConnectError> {
        let _ = current;
        Ok(())
    }

    /// Which offsets are safe to commit (`SinkTask.preCommit`); `current` holds, per
    /// partition, the offset after the last record delivered by `put`. By default calls
    /// [`flush`](Self::flush) and returns `current`.
    fn pre_commit(
        &mut self,
        current: &[PartitionOffset],
    ) -> Result<Vec<PartitionOffset>, ConnectError> {
        self.flush(current)?;
        Ok(current.to_vec())
    }

    /// These partitions are no longer assigned to the task.
    fn close(&mut self, partitions: &[TopicPartition]) -> Result<(), ConnectError> {
        let _ = partitions;
        Ok(())
    }

    /// Stops the task; nothing else is called afterwards.
    fn stop(&mut self) -> Result<(), ConnectError> {
        Ok(())
    }
}

/// A Kafka topic partition.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TopicPartition {
    /// Topic.
    pub topic: String,
    /// Partition.
    pub partition: i32,
}

/// A position in a topic partition: the offset of the next record to read.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PartitionOffset {
    /// Topic.
    pub topic: String,
    /// Partition.
    pub partition: i32,
    /// Offset of the next record.
    pub offset: i64,
}

/// What a sink task may ask of the worker (`SinkTaskContext`). Sink tasks only.
#[derive(Debug, Clone, Copy, Default)]
pub struct SinkContext;

impl SinkContext {
    /// Stops fetching from these partitions until [`resume`](Self::resume).
    pub fn pause(&self, partitions: &[TopicPartition]) {
        #[cfg(target_arch = "wasm32")]
        sink_context::pause(&crate::glue::partitions_to_wit(partitions));
        #[cfg(not(target_arch = "wasm32"))]
        crate::native::request(crate::native::Request::Pause(partitions.to_vec()));
    }

    /// Fetches again from these paused partitions.
    pub fn resume(&self, partitions: &[TopicPartition]) {
        #[cfg(target_arch = "wasm32")]
        sink_context::resume(&crate::glue::partitions_to_wit(partitions));
        #[cfg(not(target_arch = "wasm32"))]
        crate::native::request(crate::native::Request::Resume(partitions.to_vec()));
    }

    /// Rewinds: the next records delivered for these partitions start at these offsets.
    pub fn reset_offsets(&self, offsets: &[PartitionOffset]) {
        #[cfg(target_arch = "wasm32")]
        sink_context::reset_offsets(&crate::glue::offsets_to_wit(offsets));
        #[cfg(not(target_arch = "wasm32"))]
        crate::native::request(crate::native::Request::Reset(offsets.to_vec()));
    }

    /// Asks for `pre_commit` and an offset commit as soon as possible.
    pub fn request_commit(&self) {
        #[cfg(target_arch = "wasm32")]
        sink_context::request_commit();
        #[cfg(not(target_arch = "wasm32"))]
        crate::native::request(crate::native::Request::Commit);
    }

    /// Reports a record the task could not process (`ErrantRecordReporter`). It must come
    /// from the current or an earlier `put`. With `errors.tolerance=none` the task then
    /// fails; with `all` it is logged and, if configured, sent to the dead letter queue.
    pub fn report(&self, record: &SinkRecord, error: &str) {
        let position = crate::glue::wit::PartitionOffset {
            topic: record.topic.clone(),
            partition: record.kafka_partition,
            offset: record.kafka_offset,
        };
        #[cfg(target_arch = "wasm32")]
        sink_context::report(&position, error);
        #[cfg(not(target_arch = "wasm32"))]
        crate::native::request(crate::native::Request::Report {
            topic: position.topic,
            partition: position.partition,
            offset: position.offset,
            error: error.to_owned(),
        });
    }
}
