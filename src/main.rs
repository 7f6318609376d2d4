//! `liftcast`: the workbench window with no arguments, CLI verbs otherwise.

use std::process::ExitCode;

fn main() -> ExitCode {
    liftcast::quiet_device_select::quiet_device_select();
    liftcast::memory::keep_freed_memory();
    liftcast::cli::main()
}
