//! Source offsets. Standalone mode keeps them in `offset.storage.file.filename` through
//! [`FileOffsetStore`]; sink offsets live in Kafka consumer groups (`kafka::GroupOffsets`).

mod file;

pub use file::{FileOffsetStore, OffsetStoreError};
