//! Source connectors and tasks: read from an external system, produce to Kafka.

#[cfg(target_arch = "wasm32")]
use crate::source_bindings::wasmconnect::connector::offset_reader;
use crate::{Config, ConnectError, OffsetMap, SourceBatch, SourceRecord};

/// A source task (`SourceTask`). Each task runs in its own sandbox.
pub trait SourceTask: Sized + 'static {
    /// Whether the worker should call [`commit_record`](Self::commit_record) for every
    /// written record. Off by default, so the SDK does not keep polled records around.
    const COMMIT_RECORD: bool = false;

    /// Starts a task with one of the configurations from `task_configs`. Read committed
    /// offsets with [`OffsetReader`] here to resume where the last run stopped.
    fn start(config: Config) -> Result<Self, ConnectError>;

    /// The next records; empty when there are none yet. Never block or sleep: the call has
    /// a deadline, and the worker waits briefly before polling again after an empty result.
    ///
    /// Implement this or [`poll_batch`](Self::poll_batch).
    fn poll(&mut self) -> Result<Vec<SourceRecord>, ConnectError> {
        Err(ConnectError::Fatal(
            "the source task implements neither poll nor poll_batch".into(),
        ))
    }

    /// The next records, appended to `batch`, which the SDK encodes as they come: no
    /// `SourceRecord` need be built or kept. A task can hold its partition map, its offset
    /// map and a scratch value and push them by reference for each record
    /// ([`SourceBatch::push_ref`]), which allocates nothing per record. By default pushes what
    /// [`poll`](Self::poll) returns. Same rules as `poll`: never block; push nothing when
    /// there is nothing yet.
    fn poll_batch(&mut self, batch: &mut SourceBatch) -> Result<(), ConnectError> {
        for record in self.poll()? {
            batch.push(&record);
        }
        Ok(())
    }

    /// Offsets of all records returned so far were committed (`SourceTask.commit`).
    fn commit(&mut self) -> Result<(), ConnectError> {
        Ok(())
    }

    /// `record` was written to Kafka at `metadata`, or dropped by a transform (`None`).
    /// Called only when [`COMMIT_RECORD`](Self::COMMIT_RECORD) is true.
    fn commit_record(
        &mut self,
        record: &SourceRecord,
        metadata: Option<&RecordMetadata>,
    ) -> Result<(), ConnectError> {
        let _ = (record, metadata);
        Ok(())
    }

    /// Stops the task; nothing else is called afterwards.
    fn stop(&mut self) -> Result<(), ConnectError> {
        Ok(())
    }
}

/// Where a source record was written (`RecordMetadata`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RecordMetadata {
    /// Topic.
    pub topic: String,
    /// Partition.
    pub partition: i32,
    /// Offset in the partition.
    pub offset: i64,
    /// Timestamp in milliseconds since the epoch, if any.
    pub timestamp: Option<i64>,
}

/// Reads the committed source offsets of this connector (`OffsetStorageReader`). Source
/// tasks only.
///
/// ```no_run
/// use wasmconnect_guest::{OffsetMap, OffsetReader, OffsetValue};
/// let partition = OffsetMap::from([("filename".into(), OffsetValue::String("/in".into()))]);
/// let position = match OffsetReader.offset(&partition).and_then(|o| o.get("position").cloned()) {
///     Some(OffsetValue::Int64(p)) => p,
///     _ => 0,
/// };
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct OffsetReader;

impl OffsetReader {
    /// The last committed offset of each partition, in the same order; `None` where nothing
    /// was committed yet.
    pub fn offsets(&self, partitions: &[OffsetMap]) -> Vec<Option<OffsetMap>> {
        #[cfg(target_arch = "wasm32")]
        {
            let wit: Vec<_> = partitions
                .iter()
                .map(crate::glue::offset_map_to_wit)
                .collect();
            offset_reader::offsets(&wit)
                .into_iter()
                .map(|o| o.map(crate::glue::offset_map_from_wit))
                .collect()
        }
        #[cfg(not(target_arch = "wasm32"))]
        crate::native::offsets(partitions)
    }

    /// The last committed offset of one partition.
    pub fn offset(&self, partition: &OffsetMap) -> Option<OffsetMap> {
        self.offsets(std::slice::from_ref(partition))
            .pop()
            .flatten()
    }
}
