//! The `tlscheck` binary: parse the command line into a plan, run it, map the outcome to an exit
//! code. Everything else is in the library.

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
use tlscheck::cli::{Cli, Job};
use tlscheck::exit;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // --help and --version are not errors.
            return exit::to_exit_code(if e.use_stderr() {
                exit::USAGE
            } else {
                exit::PASS
            });
        }
    };
    let job = match cli.into_job() {
        Ok(Job::Explain { text, format }) => {
            return exit::to_exit_code(tlscheck::explain_to_stdout(&text, format))
        }
        Ok(Job::Completions(shell)) => {
            let mut out = std::io::stdout().lock();
            tlscheck::manual::completions(shell, &mut out);
            return exit::to_exit_code(exit::PASS);
        }
        Ok(Job::Man(dir)) => {
            let mut out = std::io::stdout().lock();
            return match tlscheck::manual::man(dir.as_deref(), &mut out) {
                Ok(()) => exit::to_exit_code(exit::PASS),
                Err(e) => {
                    eprintln!("tlscheck: error: cannot write the man page: {e}");
                    exit::to_exit_code(exit::INTERNAL)
                }
            };
        }
        Ok(job) => job,
        Err(e) => {
            eprintln!("tlscheck: error: {e}");
            return exit::to_exit_code(exit::USAGE);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tlscheck: error: cannot start the async runtime: {e}");
            return exit::to_exit_code(exit::INTERNAL);
        }
    };
    // A panic is a bug, never a verdict: report it as an internal error (exit 4), not as 101.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runtime.block_on(async {
            match &job {
                Job::Probe(plan) => tlscheck::run(plan).await,
                Job::Endpoints(plan) => tlscheck::run_endpoints(plan).await,
                Job::Report(plan) => tlscheck::run_report(plan),
                Job::Explain { .. } | Job::Completions(_) | Job::Man(_) => Ok(exit::PASS),
            }
        })
    }));
    match result {
        Ok(Ok(code)) => exit::to_exit_code(code),
        Ok(Err(e)) => {
            eprintln!("tlscheck: error: {e:#}");
            exit::to_exit_code(e.exit_code())
        }
        Err(_) => {
            eprintln!(
                "tlscheck: error: internal error (a bug: please report it with the command line)"
            );
            exit::to_exit_code(exit::INTERNAL)
        }
    }
}
