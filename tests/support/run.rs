//! Running the real `tlscheck` binary (the one Cargo built for this test run) and reading its JSON
//! output. Output that is not JSON fails the test with the run's stdout and stderr, which say why
//! (a usage error, a panic) far better than the parse error alone.

use std::path::PathBuf;
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

/// A command running the binary under test.
pub fn tlscheck() -> Command {
    Command::cargo_bin("tlscheck").expect("the tlscheck binary")
}

/// The binary's path, for a `std::process::Command` or a shell line.
pub fn tlscheck_path() -> PathBuf {
    assert_cmd::cargo::cargo_bin("tlscheck")
}

/// Runs `cmd` (which asks for JSON output); returns (exit code, the report from stdout).
pub fn json(cmd: &mut Command) -> (i32, Value) {
    let out = cmd.output().expect("run tlscheck");
    (exit_code(&out), stdout_json(&out))
}

/// The exit code of a finished run; -1 if a signal ended it.
pub fn exit_code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

/// A finished run's stdout as JSON; fails the test with stdout and stderr if it is not JSON.
pub fn stdout_json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}
