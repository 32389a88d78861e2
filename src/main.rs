use std::process::ExitCode;

use clap::Parser;

/// glibc's allocator, under the gateway's many short-lived allocations across threads, spent a sixth of the time and
/// kept returning memory to the kernel (TLB shootdowns on every core); mimalloc does neither.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    sharegate::cli::run(sharegate::cli::Cli::parse())
}
