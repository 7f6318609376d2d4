//! Panics we expect and turn into errors (a third-party reader failing on a damaged file, a GPU
//! probe finding no adapter) should not print the "internal failure" line meant for real bugs.
//! Code that catches such panics runs inside [`run_quietly`]; the CLI's panic hook asks
//! [`is_quiet`].

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};

/// How many quiet sections are running (any thread: a probe's panic may surface on a worker).
static QUIET_SECTIONS: AtomicUsize = AtomicUsize::new(0);

/// Runs `work`, catching a panic, with the panic message suppressed meanwhile.
pub fn run_quietly<R>(work: impl FnOnce() -> R) -> std::thread::Result<R> {
    QUIET_SECTIONS.fetch_add(1, Ordering::SeqCst);
    let outcome = catch_unwind(AssertUnwindSafe(work));
    QUIET_SECTIONS.fetch_sub(1, Ordering::SeqCst);
    outcome
}

/// True while a quiet section runs.
pub fn is_quiet() -> bool {
    QUIET_SECTIONS.load(Ordering::SeqCst) > 0
}
