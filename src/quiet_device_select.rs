//! Mesa's Vulkan device-select layer asks the display server which GPU drives the screen
//! whenever a Vulkan instance starts, which the GPU self-test of `--device auto` does twice.
//! With no usable `XDG_RUNTIME_DIR` (a server, a cron job, a container) libwayland answers by
//! printing "error: XDG_RUNTIME_DIR is invalid or not set in the environment." four times per
//! instance: eight lines of "error" on every command, though nothing is wrong. Without a
//! runtime directory there is no Wayland display to ask, so the layer has nothing to add; it is
//! switched off for this process (`NODEVICE_SELECT=1`). wgpu still picks the adapter itself.

use std::ffi::OsStr;
use std::path::Path;

/// Whether a process with these variables should switch the layer off.
fn layer_would_complain(
    runtime_dir: Option<&OsStr>,
    wayland_display: Option<&OsStr>,
    already_off: bool,
) -> bool {
    let usable = |value: Option<&OsStr>| value.is_some_and(|v| Path::new(v).is_absolute());
    // libwayland needs the runtime directory only for a display named relative to it.
    !already_off && !usable(runtime_dir) && !usable(wayland_display)
}

/// Switches the device-select layer off when it could only complain. Call first in `main`.
pub fn quiet_device_select() {
    let runtime_dir = std::env::var_os("XDG_RUNTIME_DIR");
    let wayland_display = std::env::var_os("WAYLAND_DISPLAY");
    let already_off = std::env::var_os("NODEVICE_SELECT").is_some();
    if layer_would_complain(
        runtime_dir.as_deref(),
        wayland_display.as_deref(),
        already_off,
    ) {
        // SAFETY: called first in `main`, before any other thread exists, so nothing reads
        // or writes the environment at the same time.
        unsafe { std::env::set_var("NODEVICE_SELECT", "1") };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_missing_or_relative_runtime_dir_switches_the_layer_off() {
        let os = |s: &'static str| Some(OsStr::new(s));
        assert!(layer_would_complain(None, None, false));
        assert!(layer_would_complain(os(""), os("wayland-0"), false));
        assert!(layer_would_complain(os("run/user"), None, false));
        assert!(!layer_would_complain(os("/run/user/1000"), None, false));
        assert!(!layer_would_complain(None, os("/tmp/wayland-0"), false));
        assert!(
            !layer_would_complain(None, None, true),
            "the user's choice stands"
        );
    }
}
