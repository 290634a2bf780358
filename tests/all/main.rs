//! The integration test binary: one module per area, one broker for all of them.

mod broker;
mod kafka;
