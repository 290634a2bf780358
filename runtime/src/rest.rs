//! rest (stub)
