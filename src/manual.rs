//! Shell completions and man pages, generated from the clap definitions in [`crate::cli`] so they
//! never drift from the real options (`tlscheck completions SHELL`, `tlscheck man`).

use std::io::Write;
use std::path::Path;

use clap::CommandFactory;

use crate::cli::{Cli, ShellArg};

/// Writes the completion script for `shell` to `out`.
pub fn completions(shell: ShellArg, out: &mut dyn Write) {
    let mut cmd = Cli::command();
    let shell = match shell {
        ShellArg::Bash => clap_complete::Shell::Bash,
        ShellArg::Zsh => clap_complete::Shell::Zsh,
        ShellArg::Fish => clap_complete::Shell::Fish,
        ShellArg::Powershell => clap_complete::Shell::PowerShell,
        ShellArg::Elvish => clap_complete::Shell::Elvish,
    };
    clap_complete::generate(shell, &mut cmd, "tlscheck", out);
}

/// Writes `tlscheck.1` to `out`, or, with `dir`, one page per command into `dir`
/// (`tlscheck.1`, `tlscheck-mx.1`, ...).
pub fn man(dir: Option<&Path>, out: &mut dyn Write) -> std::io::Result<()> {
    let cmd = Cli::command();
    match dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)?;
            clap_mangen::generate_to(cmd, dir)
        }
        None => clap_mangen::Man::new(cmd).render(out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completions_know_every_command_and_option() {
        let mut out = Vec::new();
        completions(ShellArg::Bash, &mut out);
        let text = String::from_utf8(out).unwrap();
        for word in [
            "mx",
            "host",
            "endpoints",
            "report",
            "explain",
            "--require-tls",
            "--format",
        ] {
            assert!(
                text.contains(word),
                "{word} missing from the bash completion"
            );
        }
    }

    #[test]
    fn man_page_has_the_commands_and_exit_codes() {
        let mut out = Vec::new();
        man(None, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains(".TH tlscheck 1"), "{text}");
        for command in [
            "tlscheck\\-mx(1)",
            "tlscheck\\-report(1)",
            "tlscheck\\-completions(1)",
        ] {
            assert!(text.contains(command), "{command} missing");
        }
        assert!(text.contains("3  inconclusive"), "exit codes missing");

        let dir = tempfile::tempdir().unwrap();
        man(Some(dir.path()), &mut Vec::new()).unwrap();
        for page in ["tlscheck.1", "tlscheck-mx.1", "tlscheck-report.1"] {
            assert!(dir.path().join(page).exists(), "{page}");
        }
    }
}
