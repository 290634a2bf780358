//! The `sink-context` import (`SinkTaskContext`): what a sink task asks of the worker during
//! a call, kept for the sink loop to act on after it.

use crate::bindings::{sink, types};

/// What the guest asked through `sink-context` since the worker last looked.
#[derive(Debug, Default)]
pub(crate) struct SinkContextCtx {
    pub(crate) pause: Vec<(String, i32)>,
    pub(crate) resume: Vec<(String, i32)>,
    pub(crate) reset: Vec<((String, i32), i64)>,
    pub(crate) commit: bool,
    pub(crate) reported: Vec<((String, i32), i64, String)>,
}

impl sink::wasmconnect::connector::sink_context::Host for SinkContextCtx {
    fn pause(&mut self, partitions: Vec<types::TopicPartition>) {
        self.pause
            .extend(partitions.into_iter().map(|tp| (tp.topic, tp.partition)));
    }

    fn resume(&mut self, partitions: Vec<types::TopicPartition>) {
        self.resume
            .extend(partitions.into_iter().map(|tp| (tp.topic, tp.partition)));
    }

    fn reset_offsets(&mut self, offsets: Vec<types::PartitionOffset>) {
        self.reset.extend(
            offsets
                .into_iter()
                .map(|po| ((po.topic, po.partition), po.offset)),
        );
    }

    fn request_commit(&mut self) {
        self.commit = true;
    }

    fn report(&mut self, record: types::PartitionOffset, error: String) {
        self.reported
            .push(((record.topic, record.partition), record.offset, error));
    }
}
