//! Exit codes: a stable contract for scripts and CI (documented in README and `--help`).

use crate::vocab::Verdict;

/// Every probed address passed the policy.
pub const PASS: u8 = 0;
/// At least one finding of severity `error`: the policy failed.
pub const FAIL: u8 = 1;
/// Usage or configuration error: bad flag, unreadable file, bad profile or trust store.
pub const USAGE: u8 = 2;
/// Inconclusive: nothing could be probed (DNS failure, port 25 unreachable, all timed out).
pub const INCONCLUSIVE: u8 = 3;
/// Internal error (a bug, or the report could not be written).
pub const INTERNAL: u8 = 4;

/// The text for `--help` and the README.
pub const HELP: &str = "Exit codes:
  0  pass: every probed address met the policy
  1  fail: at least one finding of severity error
  2  usage or configuration error (bad flag, unreadable file, bad profile)
  3  inconclusive: nothing could be probed (DNS failure, port unreachable, all timed out)
  4  internal error";

pub fn for_verdict(v: Verdict) -> u8 {
    match v {
        Verdict::Pass => PASS,
        Verdict::Fail => FAIL,
        Verdict::Inconclusive => INCONCLUSIVE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_map_to_documented_codes() {
        assert_eq!(for_verdict(Verdict::Pass), 0);
        assert_eq!(for_verdict(Verdict::Fail), 1);
        assert_eq!(for_verdict(Verdict::Inconclusive), 3);
        for (code, line) in [
            (PASS, "0  pass"),
            (FAIL, "1  fail"),
            (USAGE, "2  usage"),
            (INCONCLUSIVE, "3  inconclusive"),
            (INTERNAL, "4  internal"),
        ] {
            assert!(HELP.contains(line), "{code}: {line}");
        }
    }
}
