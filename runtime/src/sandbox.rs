//! sandbox (stub)
