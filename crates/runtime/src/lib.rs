//! The wasmconnect worker: Kafka Connect's runtime with every connector and task inside its
//! own wasmtime component instance, laid out as Kafka Connect's is.
//!
//! - [`herder`]: what decides which connectors and tasks run ([`herder::StandaloneHerder`]),
//!   behind the [`wasmconnect_api::Herder`] trait the REST layer is written against.
//! - [`worker`]: what runs them ([`worker::SandboxWorker`]): connector instances and the
//!   source and sink task loops, behind the [`worker::Worker`] trait a herder uses.
//! - [`storage`]: connector configs, source offsets and statuses, behind Kafka Connect's
//!   three backing-store traits.
//! - [`plugins`]: the installed plugins.
//! - [`config`]: the worker's and every connector's configuration keys.
//! - [`boot`]: a standalone worker from its properties files, REST server included.
#![deny(missing_docs)]
#![deny(unsafe_code)]

pub mod boot;
pub mod config;
pub mod herder;
pub mod plugins;
pub mod storage;
pub mod worker;

/// Sets up the system allocator for a worker process: glibc's malloc with two arenas per core
/// (unless `MALLOC_ARENA_MAX` says otherwise) instead of its default of eight per core.
///
/// The worker's live heap is small (about 20 MiB in the FileStream pipeline at full speed) but
/// churns megabyte batches between threads. Measured there, 2,000,000 lines on 2 cores:
/// glibc's default kept about twice the live heap resident; one arena about 1.5 times, but its
/// lock made threads queue (a third more CPU per line). glibc binds a thread to an arena when
/// it first allocates, so with one per core the two busiest threads could still share one (a
/// run in three); two per core kept them apart in every run, for 4–10 MiB more than one
/// arena. mimalloc (v3: 1 s purge delay, transparent huge pages) kept 5 times the live heap.
/// Call it first thing in `main`; the bench binary does too, so raw baselines and native twins
/// run on the same allocator.
#[allow(unsafe_code, reason = "one glibc call, no pointers")]
pub fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        const M_ARENA_MAX: std::ffi::c_int = -8;
        unsafe extern "C" {
            fn mallopt(param: std::ffi::c_int, value: std::ffi::c_int) -> std::ffi::c_int;
        }
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let arenas =
            std::ffi::c_int::try_from(cores.saturating_mul(2)).unwrap_or(std::ffi::c_int::MAX);
        // SAFETY: mallopt only sets a malloc parameter; M_ARENA_MAX is glibc's (malloc.h).
        unsafe {
            mallopt(M_ARENA_MAX, arenas);
        }
    }
}
