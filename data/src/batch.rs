//! The WCB1 codec (stub).
