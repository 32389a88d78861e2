use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    sharegate::cli::run(sharegate::cli::Cli::parse())
}
