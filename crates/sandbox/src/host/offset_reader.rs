//! The `offset-reader` import (`OffsetStorageReader`): committed source offsets, of the
//! caller's connector only (the connector comes from the store, never from the guest).

use std::sync::Arc;

use wasmconnect_data::{OffsetMap, OffsetValue};

use crate::bindings::{source, types};

/// Answers `offset-reader.offsets` for one connector (standalone: the offsets file).
pub trait OffsetReader: Send + Sync + std::fmt::Debug {
    /// The committed source offset of each partition of `connector`, in order.
    fn offsets(&self, connector: &str, partitions: &[OffsetMap]) -> Vec<Option<OffsetMap>>;
}

/// Whose offsets a source task's instance reads, and from where (none: a connector or sink
/// instance, which reads nothing).
#[derive(Debug)]
pub(crate) struct OffsetReaderCtx {
    pub(crate) connector: Arc<str>,
    pub(crate) reader: Option<Arc<dyn OffsetReader>>,
}

impl source::wasmconnect::connector::offset_reader::Host for OffsetReaderCtx {
    fn offsets(&mut self, partitions: Vec<types::OffsetMap>) -> Vec<Option<types::OffsetMap>> {
        let Some(reader) = &self.reader else {
            return vec![None; partitions.len()];
        };
        let wanted: Vec<OffsetMap> = partitions.into_iter().map(offset_map_from_wit).collect();
        reader
            .offsets(&self.connector, &wanted)
            .into_iter()
            .map(|o| o.map(offset_map_to_wit))
            .collect()
    }
}

/// WIT offset map to the data model's.
fn offset_map_from_wit(map: types::OffsetMap) -> OffsetMap {
    map.into_iter()
        .map(|(k, v)| {
            let v = match v {
                types::OffsetValue::Null => OffsetValue::Null,
                types::OffsetValue::Boolean(b) => OffsetValue::Boolean(b),
                types::OffsetValue::Int64(i) => OffsetValue::Int64(i),
                types::OffsetValue::Float64(f) => OffsetValue::Float64(f),
                types::OffsetValue::String(s) => OffsetValue::String(s),
                types::OffsetValue::Bytes(b) => OffsetValue::Bytes(b),
            };
            (k, v)
        })
        .collect()
}

/// The data model's offset map to WIT's.
fn offset_map_to_wit(map: OffsetMap) -> types::OffsetMap {
    map.into_iter()
        .map(|(k, v)| {
            let v = match v {
                OffsetValue::Null => types::OffsetValue::Null,
                OffsetValue::Boolean(b) => types::OffsetValue::Boolean(b),
                OffsetValue::Int64(i) => types::OffsetValue::Int64(i),
                OffsetValue::Float64(f) => types::OffsetValue::Float64(f),
                OffsetValue::String(s) => types::OffsetValue::String(s),
                OffsetValue::Bytes(b) => types::OffsetValue::Bytes(b),
            };
            (k, v)
        })
        .collect()
}
