//! The `connector-context` import (`ConnectorContext`): what a connector asks of the worker
//! during a call, kept for the worker to act on afterwards.

use crate::bindings::plugin;

/// What the guest asked through `connector-context` since the worker last looked.
#[derive(Debug, Default)]
pub(crate) struct ConnectorContextCtx {
    /// `request-task-reconfiguration` was called.
    pub(crate) reconfigure: bool,
    /// `raise-error` messages.
    pub(crate) errors: Vec<String>,
}

impl plugin::wasmconnect::connector::connector_context::Host for ConnectorContextCtx {
    fn request_task_reconfiguration(&mut self) {
        self.reconfigure = true;
    }

    fn raise_error(&mut self, message: String) {
        self.errors.push(message);
    }
}
