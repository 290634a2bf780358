//! offsets (stub)
