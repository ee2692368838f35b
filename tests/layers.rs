//! The layers of `src/` as `docs/architecture.md` lists them, checked against the code: every
//! crate-internal path (`crate::a::b`, `crate::{a, b}`, `super::x`) in a module's non-test code
//! must point to a module listed below it, or to its own parent or child. Every module file must
//! be listed, and every listed module must exist. A list in which every import points down has no
//! cycle, siblings in one folder included.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A module path: `render/view` is `["render", "view"]`; `src/render/mod.rs` is `["render"]`.
type Module = Vec<String>;

fn name(m: &[String]) -> String {
    m.join("/")
}

/// The module order of docs/architecture.md, top first.
fn documented_order() -> Vec<Module> {
    let doc = std::fs::read_to_string(Path::new(ROOT).join("docs/architecture.md")).unwrap();
    let block = doc
        .split("<!-- layers:begin -->")
        .nth(1)
        .and_then(|rest| rest.split("<!-- layers:end -->").next())
        .expect("docs/architecture.md has a layers block");
    block
        .lines()
        .filter(|l| !l.starts_with("```") && !l.trim().is_empty())
        .map(|l| {
            let word = l.split_whitespace().next().unwrap_or_default();
            word.split('/').map(str::to_string).collect()
        })
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn module_of(src: &Path, file: &Path) -> Module {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Module = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// The code of a file without comments and without its `#[cfg(test)] mod ... { ... }` blocks
/// (which, by the project's style, come last).
fn code_of(text: &str) -> String {
    let mut code = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("#[cfg(test)]") {
            let next = lines.peek().map(|l| l.trim_start()).unwrap_or_default();
            if next.contains("mod ") && next.ends_with('{') {
                break;
            }
        }
        let without_comment = match line.find("//") {
            // A `//` inside a string (a URL) is not a comment: good enough for `use` lines.
            Some(i) if !line[..i].contains('"') => &line[..i],
            _ => line,
        };
        code.push_str(without_comment);
        code.push('\n');
    }
    code
}

/// Test-only modules: those declared as `#[cfg(test)] mod name;` in a parent file.
fn test_only(src: &Path, files: &[PathBuf]) -> BTreeSet<Module> {
    let mut out = BTreeSet::new();
    for file in files {
        let parent = module_of(src, file);
        let text = std::fs::read_to_string(file).unwrap();
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            if line.trim() != "#[cfg(test)]" {
                continue;
            }
            let next = lines.next().unwrap_or_default().trim();
            let decl = next
                .trim_start_matches("pub(crate) ")
                .trim_start_matches("pub ");
            if let Some(name) = decl.strip_prefix("mod ").and_then(|n| n.strip_suffix(';')) {
                let mut m = parent.clone();
                m.push(name.to_string());
                out.insert(m);
            }
        }
    }
    out
}

/// An identifier at the start of `s`.
fn ident(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The paths a `use` tree or an expression names after `crate::` / `super::`: `a::b::X`,
/// `a::{b, c::D}`, `{a, b::C}`.
fn paths_after(prefix: Module, s: &str, out: &mut Vec<Module>) {
    let mut path = prefix;
    let mut rest = s;
    loop {
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut start = 0;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' | ',' if depth == 1 => {
                        paths_after(path.clone(), group[start..i].trim(), out);
                        start = i + 1;
                        if c == '}' {
                            return;
                        }
                    }
                    '}' => depth -= 1,
                    _ => {}
                }
            }
            return;
        }
        let word = ident(rest);
        if word.is_empty() {
            break;
        }
        path.push(word.to_string());
        match rest[word.len()..].strip_prefix("::") {
            Some(more) => rest = more,
            None => break,
        }
    }
    out.push(path);
}

/// Every module path named in `code` of module `m`.
fn references(m: &Module, code: &str) -> Vec<Module> {
    let mut out = Vec::new();
    for (marker, base) in [
        ("crate::", vec![]),
        (
            "super::",
            m.get(..m.len().saturating_sub(1))
                .unwrap_or_default()
                .to_vec(),
        ),
    ] {
        let mut rest = code;
        while let Some(i) = rest.find(marker) {
            let before = rest[..i].chars().last();
            rest = &rest[i + marker.len()..];
            // `$crate::` and `foo_crate::` are not this crate's paths.
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
                continue;
            }
            paths_after(base.clone(), rest, &mut out);
        }
    }
    out
}

/// The module a path names: its longest prefix that is a module.
fn resolve(path: &Module, modules: &BTreeSet<Module>) -> Option<Module> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|p| modules.contains(p))
}

fn parent_or_child(a: &Module, b: &Module) -> bool {
    a.get(..a.len().saturating_sub(1)) == Some(b.as_slice())
        || b.get(..b.len().saturating_sub(1)) == Some(a.as_slice())
}

/// Every module of `src/` but the crate root and the binary, with the modules it uses.
fn import_graph() -> BTreeMap<Module, BTreeSet<Module>> {
    let src = Path::new(ROOT).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let tests = test_only(&src, &files);
    let files: Vec<(Module, PathBuf)> = files
        .into_iter()
        .filter(|f| !f.ends_with("main.rs"))
        .map(|f| (module_of(&src, &f), f))
        .filter(|(m, _)| !m.is_empty() && !tests.contains(m))
        .collect();
    let modules: BTreeSet<Module> = files.iter().map(|(m, _)| m.clone()).collect();
    files
        .iter()
        .map(|(m, file)| {
            let code = code_of(&std::fs::read_to_string(file).unwrap());
            let uses = references(m, &code)
                .iter()
                .filter_map(|p| resolve(p, &modules))
                .filter(|t| t != m && !parent_or_child(m, t))
                .collect();
            (m.clone(), uses)
        })
        .collect()
}

#[test]
fn every_import_points_down_the_documented_layers() {
    let order = documented_order();
    let rank: BTreeMap<&Module, usize> = order.iter().enumerate().map(|(i, m)| (m, i)).collect();
    let graph = import_graph();
    let mut problems = Vec::new();
    for m in graph.keys() {
        if !rank.contains_key(m) {
            problems.push(format!("{} is not listed in docs/architecture.md", name(m)));
        }
    }
    for m in &order {
        if !graph.contains_key(m) {
            problems.push(format!("{} is listed but is no module of src/", name(m)));
        }
    }
    for (m, uses) in &graph {
        for t in uses {
            if let (Some(from), Some(to)) = (rank.get(m), rank.get(t)) {
                if to <= from {
                    problems.push(format!(
                        "{} uses {}, which is listed above it",
                        name(m),
                        name(t)
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The checker sees what it must: a sample of edges it has to find, and a cycle it has to refuse.
#[test]
fn the_checker_reads_paths_as_rust_does() {
    let m: Module = vec!["render".into(), "text".into()];
    let code = "use crate::report::{Report, TlsFacts};\n\
                use crate::{exit, render::view::ReportView};\n\
                use super::escape::terminal;\n\
                let x = $crate::vocab::Verdict;\n\
                let y = crate::limits::MAX;";
    let refs: BTreeSet<String> = references(&m, code).iter().map(|p| name(p)).collect();
    for expected in [
        "report/Report",
        "report/TlsFacts",
        "exit",
        "render/view/ReportView",
        "render/escape/terminal",
        "limits/MAX",
    ] {
        assert!(refs.contains(expected), "{expected} missing from {refs:?}");
    }
    assert!(!refs.iter().any(|r| r.starts_with("vocab")), "{refs:?}");
    assert_eq!(
        code_of("use crate::a; // crate::b\n#[cfg(test)]\nmod tests {\n use crate::c;\n}\n"),
        "use crate::a; \n"
    );

    let graph = import_graph();
    let report: Module = vec!["report".into()];
    let judged: Module = vec!["judged".into()];
    assert!(graph[&judged].contains(&report), "judged uses report");
    assert!(
        !graph[&report].contains(&judged),
        "report uses no judgement"
    );
}
