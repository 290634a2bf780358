//! The Kafka Connect data model (schemas, values, source and sink records) and the `WCB1`
//! record-batch codec (`wit/RECORD-FORMAT.md`), shared by the worker and the Rust guest SDK so
//! both sides of the boundary agree byte for byte.
#![deny(missing_docs)]
#![deny(unsafe_code)]

pub mod batch;
mod model;

pub use model::*;
