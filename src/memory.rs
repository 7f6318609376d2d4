//! How freed memory is kept. A forecast allocates and frees large tensors at every step (a
//! lever move over 100,000 rows, dozens of megabytes). glibc's malloc hands blocks above its
//! mmap threshold straight back to the kernel, so every move paid for the kernel mapping and
//! zeroing those pages afresh. Serving blocks up to 32 MiB from the heap and keeping up to
//! 512 MiB of freed memory lets each forecast reuse the last one's: a 100,000-row lever move
//! took 88.6 ms with this and 112.0 ms without (`cargo bench --profile release --bench
//! scenarios -- moves`, and `-- moves plain` without it; BENCHMARKS.md, session 8).

/// Tunes the allocator for repeated large forecasts. Call once, early in `main`. Elsewhere than
/// glibc it does nothing.
pub fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallopt only changes allocator parameters; called before other threads
        // allocate. A refused value leaves glibc's default, which is only slower.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
            libc::mallopt(libc::M_TRIM_THRESHOLD, 512 << 20);
        }
    }
}
