//! What a guest may touch through WASI: the directories its connector config grants (and
//! nothing else: no environment, no sockets), and stdout and stderr into the worker's log.

use std::path::PathBuf;

use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use super::{GuestOutput, HostState};

/// The WASI context of an instance granted `dirs` (each `(directory, writable)`, opened at
/// the same path), with its output to `output`.
pub(crate) fn wasi(dirs: &[(PathBuf, bool)], output: &GuestOutput) -> Result<WasiCtx, String> {
    let mut wasi = WasiCtxBuilder::new();
    for (dir, writable) in dirs {
        let guest = dir.to_string_lossy().into_owned();
        let perms = if *writable {
            FsPerms::ReadWrite
        } else {
            FsPerms::ReadOnly
        };
        let denied =
            |e: &dyn std::fmt::Display| format!("cannot grant directory {}: {e:#}", dir.display());
        wasi.preopened_dir(dir, guest, perms)
            .map_err(|e| denied(&e))?;
        // Relative paths in a connector config (Kafka's quickstart has `file=test.txt`)
        // resolve against the worker's directory, as they would in Kafka Connect.
        if std::env::current_dir().is_ok_and(|cwd| &cwd == dir) {
            wasi.preopened_dir(dir, ".", perms)
                .map_err(|e| denied(&e))?;
        }
    }
    // File reads and writes run on the calling thread: they hit the page cache, and
    // handing each one to tokio's blocking pool cost an idle source task two thread
    // switches (and the pool a thread per concurrently reading task) per empty poll.
    // The price: a read that really blocks (a named pipe with no writer) holds one of
    // the runtime's threads until it returns.
    wasi.allow_blocking_current_thread(true);
    wasi.stdout(output.clone()).stderr(output.clone());
    Ok(wasi.build())
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}
