//! What an instance may spend: its linear memory (`wasm.memory.max.bytes`); the deadline of
//! each call lives beside it in the `HostState`, for the epoch callback.

/// Caps an instance's linear memory (`wasm.memory.max.bytes`, all memories together) and
/// keeps the current total, which drives instance recycling. Memories only grow.
#[derive(Debug)]
pub(crate) struct MemoryLimiter {
    pub(crate) max: usize,
    pub(crate) used: usize,
}

impl wasmtime::ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let after = self.used - current.min(self.used) + desired;
        if after > self.max {
            // The same wording as wasmtime's own limiter; `SandboxError::trap` looks for it.
            return Err(wasmtime::Error::msg(format!(
                "forcing trap when growing memory to {after} bytes"
            )));
        }
        self.used = after;
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        _desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(true)
    }
}
