//! worker (stub)
