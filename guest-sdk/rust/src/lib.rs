//! guest sdk (stub)
