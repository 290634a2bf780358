//! The error a connector returns (`connect-error` in the WIT).

use std::fmt;

/// An error from a connector or task. Return it instead of panicking: a panic traps, which
/// fails the task hard without a useful message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectError {
    /// Transient (Connect's `RetriableException`): the worker backs off and calls again with
    /// the same input.
    Retriable(String),
    /// The task or connector cannot go on: it moves to FAILED with this message.
    Fatal(String),
}

impl ConnectError {
    /// A [`ConnectError::Fatal`] with this message.
    pub fn fatal(message: impl fmt::Display) -> Self {
        Self::Fatal(message.to_string())
    }

    /// A [`ConnectError::Retriable`] with this message.
    pub fn retriable(message: impl fmt::Display) -> Self {
        Self::Retriable(message.to_string())
    }

    /// The message.
    pub fn message(&self) -> &str {
        match self {
            Self::Retriable(m) | Self::Fatal(m) => m,
        }
    }

    /// Whether a retry may help.
    pub fn is_retriable(&self) -> bool {
        matches!(self, Self::Retriable(_))
    }
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Retriable(m) => write!(f, "retriable: {m}"),
            Self::Fatal(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for ConnectError {}

/// I/O errors are fatal, as an `IOException` wrapped in a `ConnectException` is in Connect;
/// map them to [`ConnectError::Retriable`] yourself where a retry helps.
impl From<std::io::Error> for ConnectError {
    fn from(e: std::io::Error) -> Self {
        Self::Fatal(e.to_string())
    }
}

/// A configuration that fails its definition is fatal, with every problem in the message
/// (as Kafka's `ConfigException`).
impl From<wasmconnect_config::ConfigErrors> for ConnectError {
    fn from(e: wasmconnect_config::ConfigErrors) -> Self {
        Self::Fatal(e.to_string())
    }
}

impl From<wasmconnect_data::batch::DecodeError> for ConnectError {
    fn from(e: wasmconnect_data::batch::DecodeError) -> Self {
        Self::Fatal(e.to_string())
    }
}
