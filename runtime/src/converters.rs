//! converters (stub)
