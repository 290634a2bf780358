//! `TaskError`: why a task failed, by the stage that failed, so its status trace says which.

use wasmconnect_sandbox::SandboxError;

/// A guest call of a task, the stage a [`TaskError::Guest`] failed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum GuestCall {
    /// Instantiating the component and constructing the task.
    Instantiate,
    /// `task.start`.
    Start,
    /// `task.poll`.
    Poll,
    /// `task.commit`.
    Commit,
    /// `task.commit-records`.
    CommitRecords,
    /// `task.open`.
    Open,
    /// `task.put`.
    Put,
    /// `task.pre-commit`.
    PreCommit,
    /// `task.close`.
    Close,
    /// `connector-context.raise-error`, called during one of the task's calls.
    RaiseError,
}

impl std::fmt::Display for GuestCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Instantiate => "instantiation",
            Self::Start => "start",
            Self::Poll => "poll",
            Self::Commit => "commit",
            Self::CommitRecords => "commit-records",
            Self::Open => "open",
            Self::Put => "put",
            Self::PreCommit => "pre-commit",
            Self::Close => "close",
            Self::RaiseError => "raise-error",
        })
    }
}

/// Why a task failed. The message names the stage that failed (the guest call, the key or
/// value converter, Kafka, or the worker itself); the trace adds the wasm backtrace of a
/// trap.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum TaskError {
    /// A guest call trapped, ran past its deadline or memory cap, returned an error or broke
    /// the contract.
    #[error("task {call} failed: {error}")]
    Guest {
        /// Which call.
        call: GuestCall,
        /// What happened.
        error: SandboxError,
    },
    /// A converter could not convert a record's key or value.
    #[error("{which} converter failed for {record}: {message}")]
    Converter {
        /// `key` or `value`.
        which: &'static str,
        /// The record: `topic-partition@offset` (sink) or `topic <name>` (source).
        record: String,
        /// The converter's reason.
        message: String,
    },
    /// Kafka refused or failed a request the task needs.
    #[error("kafka {operation} failed: {message}")]
    Kafka {
        /// What was asked, e.g. `produce to topic orders`.
        operation: String,
        /// Kafka's or the client's reason.
        message: String,
    },
    /// The worker failed the task: a bug or a lost internal task, not the connector's fault.
    #[error("worker failed: {0}")]
    Internal(String),
}

impl TaskError {
    /// A failed guest call.
    pub fn guest(call: GuestCall) -> impl FnOnce(SandboxError) -> Self {
        move |error| Self::Guest { call, error }
    }

    /// Whether retrying the same step may succeed: a guest's retriable error.
    pub fn is_retriable(&self) -> bool {
        matches!(self, Self::Guest { error, .. } if error.is_retriable())
    }

    /// What a FAILED status shows below the message: the wasm backtrace of a trap.
    pub fn trace(&self) -> String {
        match self {
            Self::Guest { error, .. } => error.trace(),
            _ => String::new(),
        }
    }
}

/// Why a connector (its connector level, not a task) failed.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectorError {
    /// Its instance could not be made.
    #[error("{0}")]
    Instantiate(SandboxError),
    /// `start` failed.
    #[error("connector start failed: {0}")]
    Start(SandboxError),
    /// `task-configs` failed.
    #[error("task-configs failed: {0}")]
    TaskConfigs(SandboxError),
    /// The connector called `raise-error`.
    #[error("{}", .0.join("; "))]
    Raised(Vec<String>),
}

impl ConnectorError {
    /// What a FAILED status shows below the message: the wasm backtrace of a trap.
    pub fn trace(&self) -> String {
        match self {
            Self::Instantiate(e) | Self::Start(e) | Self::TaskConfigs(e) => e.trace(),
            Self::Raised(_) => String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmconnect_sandbox::ConnectError;

    #[test]
    fn messages_name_the_failed_stage() {
        let guest = TaskError::guest(GuestCall::Poll)(SandboxError::Guest(ConnectError::Fatal(
            "boom".into(),
        )));
        assert_eq!(guest.to_string(), "task poll failed: boom");
        assert!(!guest.is_retriable());
        let converter = TaskError::Converter {
            which: "value",
            record: "t-0@5".into(),
            message: "bad".into(),
        };
        assert_eq!(
            converter.to_string(),
            "value converter failed for t-0@5: bad"
        );
        let kafka = TaskError::Kafka {
            operation: "produce to topic t".into(),
            message: "MESSAGE_TOO_LARGE".into(),
        };
        assert_eq!(
            kafka.to_string(),
            "kafka produce to topic t failed: MESSAGE_TOO_LARGE"
        );
        assert!(kafka.trace().is_empty());
        let retriable = TaskError::guest(GuestCall::Put)(SandboxError::Guest(
            ConnectError::Retriable("later".into()),
        ));
        assert!(retriable.is_retriable());
    }
}
