//! The `tlscheck` binary: parse the command line into a job, run it, map the outcome to an exit
//! code. Everything else is in the library ([`tlscheck::app`] runs the job).

#![forbid(unsafe_code)]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice
)]

use std::process::ExitCode;

use clap::Parser;
use tlscheck::cli::Cli;
use tlscheck::render::escape::terminal_lines;
use tlscheck::{app, exit};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // --help and --version are not errors.
            return ExitCode::from(if e.use_stderr() {
                exit::USAGE
            } else {
                exit::PASS
            });
        }
    };
    let job = match cli.into_job() {
        Ok(job) => job,
        Err(e) => {
            // Errors quote files and the network: escaped like any text for a terminal.
            eprintln!("tlscheck: error: {}", terminal_lines(&e.to_string()));
            return ExitCode::from(exit::USAGE);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tlscheck: error: cannot start the async runtime: {e}");
            return ExitCode::from(exit::INTERNAL);
        }
    };
    // A panic is a bug, never a verdict: report it as an internal error (exit 4), not as 101.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runtime.block_on(app::run(&job))
    }));
    ExitCode::from(match result {
        Ok(Ok(code)) => code,
        Ok(Err(e)) => {
            eprintln!("tlscheck: error: {}", terminal_lines(&e.to_string()));
            e.exit_code()
        }
        Err(_) => {
            eprintln!(
                "tlscheck: error: internal error (a bug: please report it with the command line)"
            );
            exit::INTERNAL
        }
    })
}
