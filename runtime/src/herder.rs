//! herder (stub)
