//! `--shard K/N`: one of N machines' share of a batch. Every shard looks up the MX records and
//! MX host addresses of every target (cheap, and the probes reuse them), joins targets that
//! share an MX host name or an address into one group, and probes only the groups that a stable
//! hash gives to shard K. So every MX host and every address is probed by exactly one shard,
//! and the per-IP politeness caps hold across the fleet; a provider's many customer domains
//! land on one shard together.
//!
//! The hash is SHA-256 of the group's smallest member (a lower-case name or an address), so
//! every shard computes the same split from the same DNS answers, on any machine and any
//! tlscheck version that keeps this rule.

use std::collections::HashMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Shard `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

/// The most shards a batch may be split into.
pub const MAX_SHARDS: u32 = 100_000;

impl Shard {
    /// `K/N` with 1 ≤ K ≤ N.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || {
            format!("shard {text:?}: give K/N with 1 <= K <= N <= {MAX_SHARDS}, e.g. 2/3 (the second of three shards)")
        };
        let (k, n) = text.trim().split_once('/').ok_or_else(bad)?;
        let index: u32 = k.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || index > count || count > MAX_SHARDS {
            return Err(bad());
        }
        Ok(Self { index, count })
    }

    /// The shard from the environment when `--shard` is not given: `TLSCHECK_SHARD=K/N` (a CI
    /// matrix), else `JOB_COMPLETION_INDEX` (a Kubernetes Indexed Job, 0-based) with
    /// `TLSCHECK_SHARDS=N`. `get` reads a variable (the process environment, or a test's map).
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Result<Option<Self>, String> {
        if let Some(v) = get("TLSCHECK_SHARD").filter(|v| !v.trim().is_empty()) {
            return Self::parse(&v)
                .map(Some)
                .map_err(|e| format!("TLSCHECK_SHARD: {e}"));
        }
        match (get("JOB_COMPLETION_INDEX"), get("TLSCHECK_SHARDS")) {
            (Some(i), Some(n)) => {
                let i: u32 = i
                    .trim()
                    .parse()
                    .map_err(|_| format!("JOB_COMPLETION_INDEX {i:?} is not a number"))?;
                Self::parse(&format!("{}/{}", i.saturating_add(1), n.trim()))
                    .map(Some)
                    .map_err(|e| format!("JOB_COMPLETION_INDEX and TLSCHECK_SHARDS: {e}"))
            }
            _ => Ok(None),
        }
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The shard (1-based) of each target, given each target's members: its own name, its MX host
/// names and their addresses (any strings; compared as given, so callers lower-case names).
/// Targets that share any member are in one group and so in one shard.
pub fn assign(members: &[Vec<String>], count: u32) -> Vec<u32> {
    let mut ids: HashMap<&str, usize> = HashMap::new();
    let mut parent: Vec<usize> = Vec::new();
    let mut first_of_target = Vec::with_capacity(members.len());
    for list in members {
        let mut first = None;
        for m in list {
            let id = *ids.entry(m.as_str()).or_insert_with(|| {
                parent.push(parent.len());
                parent.len() - 1
            });
            match first {
                None => first = Some(id),
                Some(f) => union(&mut parent, f, id),
            }
        }
        first_of_target.push(first);
    }
    // The smallest member of each group names it.
    let mut smallest: HashMap<usize, &str> = HashMap::new();
    let names: Vec<(&str, usize)> = ids.iter().map(|(k, v)| (*k, *v)).collect();
    for (name, id) in names {
        let root = find(&mut parent, id);
        let entry = smallest.entry(root).or_insert(name);
        if name < *entry {
            *entry = name;
        }
    }
    first_of_target
        .into_iter()
        .map(|first| {
            let key = first
                .map(|f| find(&mut parent, f))
                .and_then(|root| smallest.get(&root).copied())
                .unwrap_or("");
            shard_of(key, count)
        })
        .collect()
}

/// The shard (1-based) of a group named `key`.
pub fn shard_of(key: &str, count: u32) -> u32 {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, key.as_bytes());
    let mut first = [0u8; 8];
    for (dst, src) in first.iter_mut().zip(digest.as_ref()) {
        *dst = *src;
    }
    let n = u64::from_be_bytes(first) % u64::from(count.max(1));
    // n < count <= u32::MAX.
    u32::try_from(n).unwrap_or(0) + 1
}

fn find(parent: &mut [usize], mut x: usize) -> usize {
    let mut root = x;
    while let Some(&p) = parent.get(root) {
        if p == root {
            break;
        }
        root = p;
    }
    // Path compression.
    while let Some(&p) = parent.get(x) {
        if p == root {
            break;
        }
        if let Some(slot) = parent.get_mut(x) {
            *slot = root;
        }
        x = p;
    }
    root
}

fn union(parent: &mut [usize], a: usize, b: usize) {
    let (ra, rb) = (find(parent, a), find(parent, b));
    if ra != rb {
        if let Some(slot) = parent.get_mut(ra.max(rb)) {
            *slot = ra.min(rb);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn shards_parse_one_based() {
        assert_eq!(Shard::parse("2/3"), Ok(Shard { index: 2, count: 3 }));
        assert_eq!(
            Shard::parse(" 1 / 1 ").map(|s| s.to_string()),
            Ok("1/1".into())
        );
        for bad in ["0/3", "4/3", "3", "a/b", "1/0", "1/100001", ""] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_environment_gives_the_shard_when_the_option_does_not() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(
            Shard::from_env(env(&[("TLSCHECK_SHARD", "3/4")])),
            Ok(Some(Shard { index: 3, count: 4 }))
        );
        // A Kubernetes Indexed Job counts from 0.
        assert_eq!(
            Shard::from_env(env(&[
                ("JOB_COMPLETION_INDEX", "0"),
                ("TLSCHECK_SHARDS", "5")
            ])),
            Ok(Some(Shard { index: 1, count: 5 }))
        );
        assert!(Shard::from_env(env(&[
            ("JOB_COMPLETION_INDEX", "5"),
            ("TLSCHECK_SHARDS", "5")
        ]))
        .is_err());
        // The index alone says nothing about the count: no sharding.
        assert_eq!(
            Shard::from_env(env(&[("JOB_COMPLETION_INDEX", "1")])),
            Ok(None)
        );
        assert_eq!(Shard::from_env(env(&[])), Ok(None));
    }

    #[test]
    fn targets_sharing_a_host_or_an_address_share_a_shard() {
        let members = vec![
            v(&["a.test", "mx.provider.test", "192.0.2.1"]),
            v(&["b.test", "mx.provider.test", "192.0.2.1"]),
            // Another name, the same address: joined through it.
            v(&["c.test", "mx.c.test", "192.0.2.1"]),
            // Chained: d shares an address with c's group only through e.
            v(&["d.test", "mx.d.test", "192.0.2.9"]),
            v(&["e.test", "mx.e.test", "192.0.2.9", "192.0.2.1"]),
            v(&["alone.test"]),
        ];
        for count in [1, 2, 3, 7, 100] {
            let s = assign(&members, count);
            assert!(s.iter().all(|k| (1..=count).contains(k)), "{s:?}");
            assert!(s[..5].iter().all(|k| *k == s[0]), "{count}: {s:?}");
        }
        // The same split whatever the order of the targets and of their members.
        let mut reversed: Vec<Vec<String>> = members.iter().rev().cloned().collect();
        for m in &mut reversed {
            m.reverse();
        }
        let a = assign(&members, 7);
        let mut b = assign(&reversed, 7);
        b.reverse();
        assert_eq!(a, b);
    }

    #[test]
    fn many_groups_spread_over_the_shards() {
        let members: Vec<Vec<String>> = (0..3000).map(|i| vec![format!("d{i}.test")]).collect();
        let s = assign(&members, 3);
        for k in 1..=3 {
            let n = s.iter().filter(|x| **x == k).count();
            assert!((800..1200).contains(&n), "shard {k}: {n} of 3000");
        }
    }
}
