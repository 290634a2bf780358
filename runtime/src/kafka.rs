//! kafka (stub)
