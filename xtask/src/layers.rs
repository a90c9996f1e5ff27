//! The layering check `cargo xtask test` runs: the `crate::` edges between each library
//! crate's top-level modules, read from the source (test modules and test files left
//! out), must have no cycle, and must keep the rules ARCHITECTURE.md states under its
//! "Layers" heading, in one of two forms:
//!
//! - `` `CRATE::MODULE` imports no other module of its crate ``
//! - `` `CRATE::A` does not import `CRATE::B` ``
//!
//! where CRATE is the crate's directory under `crates/`. A rule naming a module that does
//! not exist fails too, so a rename cannot silently retire one.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};

/// One edge: the file and line it was read at.
type Edges = BTreeMap<(String, String), (String, usize)>;

/// A stated rule.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Rule {
    /// `CRATE::MODULE` imports no other module of its crate.
    Alone { krate: String, module: String },
    /// `CRATE::FROM` does not import `CRATE::TO`.
    Not {
        krate: String,
        from: String,
        to: String,
    },
}

pub fn check(root: &Path) -> Result<()> {
    let doc = fs::read_to_string(root.join("ARCHITECTURE.md")).context("ARCHITECTURE.md")?;
    let rules = rules(&doc)?;
    let mut problems = vec![];
    let mut crates = BTreeMap::new();
    for entry in fs::read_dir(root.join("crates"))? {
        let dir = entry?.path();
        let name = dir
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let src = dir.join("src");
        if src.is_dir() {
            crates.insert(name, edges_of(&src)?);
        }
    }
    for (krate, (modules, edges)) in &crates {
        problems.extend(judge(krate, modules, edges, &rules));
    }
    for rule in &rules {
        let (krate, names) = match rule {
            Rule::Alone { krate, module } => (krate, vec![module]),
            Rule::Not {
                krate, from, to, ..
            } => (krate, vec![from, to]),
        };
        let Some((modules, _)) = crates.get(krate) else {
            problems.push(format!(
                "ARCHITECTURE.md names crate {krate:?}, which does not exist"
            ));
            continue;
        };
        for n in names {
            if !modules.contains(n) {
                problems.push(format!(
                    "ARCHITECTURE.md names module {krate}::{n}, which does not exist"
                ));
            }
        }
    }
    let mut files = vec![];
    for dir in ["crates", "xtask/src"] {
        rust_files(&root.join(dir), &mut files)?;
    }
    for f in &files {
        let text = fs::read_to_string(f).with_context(|| f.display().to_string())?;
        if let Some(n) = too_long(f, &text) {
            let shown = f.strip_prefix(root).unwrap_or(f).display();
            problems.push(format!(
                "{shown} has {n} lines before its test module; at most {MAX_LINES}: split it by the questions it answers"
            ));
        }
    }
    if !problems.is_empty() {
        bail!(
            "the layering ARCHITECTURE.md states is broken:\n  {}",
            problems.join("\n  ")
        );
    }
    eprintln!(
        "xtask: layers: {} crate(s), no cycle, {} stated rule(s) kept, {} source file(s) of at most {MAX_LINES} lines",
        crates.len(),
        rules.len(),
        files.len()
    );
    Ok(())
}

/// The most lines a source file has before its test module: a longer one answers more
/// than one question.
const MAX_LINES: usize = 500;

/// Every `.rs` file under `dir` (the build's `target` left out).
fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> Result<()> {
    for entry in fs::read_dir(dir).with_context(|| dir.display().to_string())? {
        let path = entry?.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "target") {
                rust_files(&path, out)?;
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    Ok(())
}

/// The lines of `text` before its test module, when more than [`MAX_LINES`]. A file that is
/// a test module itself (`tests.rs`, `*_tests.rs`) has no limit.
fn too_long(path: &Path, text: &str) -> Option<usize> {
    let name = path.file_name()?.to_str()?;
    if name == "tests.rs" || name.ends_with("_tests.rs") {
        return None;
    }
    let n = text
        .lines()
        .position(|l| l.trim_start() == "#[cfg(test)]")
        .unwrap_or_else(|| text.lines().count());
    (n > MAX_LINES).then_some(n)
}

/// The rules under ARCHITECTURE.md's "Layers" heading.
fn rules(doc: &str) -> Result<Vec<Rule>> {
    let section = doc
        .split("\n#")
        .find(|s| s.trim_start_matches('#').trim_start().starts_with("Layers"))
        .context("ARCHITECTURE.md has no \"Layers\" heading")?;
    let mut out = vec![];
    for line in section
        .lines()
        .filter(|l| l.trim_start().starts_with("- `"))
    {
        let names: Vec<&str> = line.split('`').skip(1).step_by(2).collect();
        let path = |n: &str| -> Result<(String, String)> {
            let (k, m) = n
                .split_once("::")
                .with_context(|| format!("{n:?} in {line:?}: expected CRATE::MODULE"))?;
            Ok((k.to_owned(), m.to_owned()))
        };
        if line.contains("imports no other module of its crate") && names.len() == 1 {
            let (krate, module) = path(names[0])?;
            out.push(Rule::Alone { krate, module });
        } else if line.contains("does not import") && names.len() == 2 {
            let ((krate, from), (k2, to)) = (path(names[0])?, path(names[1])?);
            if k2 != krate {
                bail!("{line:?}: a rule is about modules of one crate");
            }
            out.push(Rule::Not { krate, from, to });
        } else {
            bail!("{line:?}: not a rule this check reads (see xtask/src/layers.rs)");
        }
    }
    Ok(out)
}

/// The crate's top-level modules, and the edges between them.
fn edges_of(src: &Path) -> Result<(BTreeSet<String>, Edges)> {
    let mut modules = BTreeSet::new();
    let mut files = vec![];
    walk(src, &mut files)?;
    for f in &files {
        if let Some(m) = top(src, f) {
            modules.insert(m);
        }
    }
    let mut edges = Edges::new();
    for f in &files {
        let Some(from) = top(src, f) else { continue };
        let name = f.file_name().unwrap_or_default().to_string_lossy();
        if name == "tests.rs" || name.ends_with("_tests.rs") {
            continue;
        }
        let text = fs::read_to_string(f)?;
        for (n, to) in references(&text) {
            if to != from && modules.contains(&to) {
                let at = (f.strip_prefix(src).unwrap_or(f).display().to_string(), n);
                edges.entry((from.clone(), to)).or_insert(at);
            }
        }
    }
    Ok((modules, edges))
}

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> Result<()> {
    for entry in fs::read_dir(dir)? {
        let p = entry?.path();
        if p.is_dir() {
            walk(&p, out)?;
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
    Ok(())
}

/// The top-level module a file belongs to (`None`: the crate root, `lib.rs`/`main.rs`).
fn top(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel
        .components()
        .next()?
        .as_os_str()
        .to_string_lossy()
        .into_owned();
    let first = first.strip_suffix(".rs").unwrap_or(&first).to_owned();
    (first != "lib" && first != "main").then_some(first)
}

/// The `crate::NAME` references in `text` (1-based line, NAME), outside comments and
/// outside an inline `#[cfg(test)]` module (which ends a file by this project's layout).
fn references(text: &str) -> Vec<(usize, String)> {
    let mut out = vec![];
    let mut in_group = false;
    for (i, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("").trim();
        if line.trim() == "#[cfg(test)]"
            && text
                .lines()
                .nth(i + 1)
                .is_some_and(|l| l.trim_start().starts_with("mod ") && l.trim_end().ends_with('{'))
        {
            break;
        }
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                in_group = true;
                rest = group;
                break;
            }
            out.push((i + 1, ident(rest)));
        }
        if in_group {
            // `use crate::{a, b::c, ...}`, perhaps over several lines: each first segment.
            for part in rest.split(',') {
                let part = part.trim().trim_start_matches('{');
                if !part.is_empty() && !part.starts_with('}') {
                    out.push((i + 1, ident(part)));
                }
            }
            if code.contains('}') && code.ends_with(';') {
                in_group = false;
            }
        }
    }
    out.retain(|(_, n)| !n.is_empty() && n.chars().next().is_some_and(char::is_lowercase));
    out
}

fn ident(s: &str) -> String {
    s.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// The problems of one crate: its cycles, and the stated rules it breaks.
fn judge(krate: &str, modules: &BTreeSet<String>, edges: &Edges, rules: &[Rule]) -> Vec<String> {
    let mut problems = vec![];
    let shown = |from: &str, to: &str| -> String {
        let (file, line) = &edges[&(from.to_owned(), to.to_owned())];
        format!("{krate}::{from} -> {krate}::{to} ({file}:{line})")
    };
    for cycle in cycles(modules, edges) {
        let mut ring: Vec<String> = cycle.windows(2).map(|w| shown(&w[0], &w[1])).collect();
        ring.push(shown(&cycle[cycle.len() - 1], &cycle[0]));
        problems.push(format!("a cycle: {}", ring.join(", ")));
    }
    for rule in rules {
        match rule {
            Rule::Alone { krate: k, module } if k == krate => {
                for (from, to) in edges.keys() {
                    if from == module {
                        problems.push(format!(
                            "{} (ARCHITECTURE.md: `{k}::{module}` imports no other module of its crate)",
                            shown(from, to)
                        ));
                    }
                }
            }
            Rule::Not { krate: k, from, to }
                if k == krate && edges.contains_key(&(from.clone(), to.clone())) =>
            {
                problems.push(format!(
                    "{} (ARCHITECTURE.md: `{k}::{from}` does not import `{k}::{to}`)",
                    shown(from, to)
                ));
            }
            _ => {}
        }
    }
    problems
}

/// Each cycle of the module graph, as a path whose last module imports its first: for
/// every strongly connected component of more than one module, one cycle through it.
fn cycles(modules: &BTreeSet<String>, edges: &Edges) -> Vec<Vec<String>> {
    let next = |m: &str| -> Vec<String> {
        edges
            .keys()
            .filter(|(f, _)| f == m)
            .map(|(_, t)| t.clone())
            .collect()
    };
    let reach = |from: &str| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.to_owned()];
        while let Some(m) = stack.pop() {
            for n in next(&m) {
                if seen.insert(n.clone()) {
                    stack.push(n);
                }
            }
        }
        seen
    };
    let mut done: BTreeSet<String> = BTreeSet::new();
    let mut out = vec![];
    for m in modules {
        if done.contains(m) || !reach(m).contains(m) {
            continue;
        }
        // A shortest way back to m: breadth first.
        let mut prev: BTreeMap<String, String> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([m.clone()]);
        'search: while let Some(x) = queue.pop_front() {
            for n in next(&x) {
                if n == *m {
                    prev.insert(m.clone(), x);
                    break 'search;
                }
                if !prev.contains_key(&n) {
                    prev.insert(n.clone(), x.clone());
                    queue.push_back(n);
                }
            }
        }
        let mut path = vec![];
        let mut at = prev[m].clone();
        while at != *m {
            path.push(at.clone());
            at = prev[&at].clone();
        }
        path.push(m.clone());
        path.reverse();
        let component: BTreeSet<String> = reach(m)
            .into_iter()
            .filter(|x| reach(x).contains(m))
            .collect();
        done.extend(component);
        out.push(path);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(pairs: &[(&str, &str)]) -> (BTreeSet<String>, Edges) {
        let mut modules = BTreeSet::new();
        let mut edges = Edges::new();
        for (i, (a, b)) in pairs.iter().enumerate() {
            modules.insert((*a).to_owned());
            modules.insert((*b).to_owned());
            edges.insert(((*a).into(), (*b).into()), ("x.rs".into(), i + 1));
        }
        (modules, edges)
    }

    #[test]
    fn a_cycle_and_a_broken_rule_are_named_with_where_they_were_read() {
        let (m, e) = graph(&[("network", "diagnose"), ("diagnose", "network"), ("a", "b")]);
        let rules = [
            Rule::Alone {
                krate: "batch".into(),
                module: "a".into(),
            },
            Rule::Not {
                krate: "batch".into(),
                from: "b".into(),
                to: "a".into(),
            },
        ];
        let problems = judge("batch", &m, &e, &rules);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("a cycle: batch::diagnose -> batch::network"));
        assert!(
            problems[1].contains("batch::a -> batch::b (x.rs:3)"),
            "{problems:?}"
        );
        let (m, e) = graph(&[("b", "a")]);
        assert_eq!(
            judge("batch", &m, &e, &rules).len(),
            1,
            "b -> a is stated against"
        );
        let (m, e) = graph(&[("c", "a"), ("c", "b")]);
        assert!(judge("batch", &m, &e, &rules).is_empty());
    }

    #[test]
    fn references_read_paths_groups_and_stop_at_the_test_module() {
        let text = "use crate::policy::Policy;\nuse crate::{aws::call, error::Error,\n    state};\n// crate::comment\nfn f() { crate::names::x(); }\n#[cfg(test)]\nmod tests {\n    use crate::findings;\n}\n";
        let got: Vec<String> = references(text).into_iter().map(|(_, n)| n).collect();
        assert_eq!(got, ["policy", "aws", "error", "state", "names"]);
    }

    #[test]
    fn the_rules_are_read_from_their_heading() {
        let doc = "# A\n## Layers\n- `core::policy` imports no other module of its crate.\n- `batch::network` does not import `batch::diagnose`.\n## Next\n- `x::y` whatever\n";
        assert_eq!(
            rules(doc).unwrap(),
            [
                Rule::Alone {
                    krate: "core".into(),
                    module: "policy".into()
                },
                Rule::Not {
                    krate: "batch".into(),
                    from: "network".into(),
                    to: "diagnose".into()
                }
            ]
        );
        assert!(rules("## Layers\n- `core::policy` is nice\n").is_err());
    }

    #[test]
    fn a_file_longer_than_the_limit_before_its_tests_is_named() {
        let long = "fn f() {}\n".repeat(MAX_LINES + 1);
        assert_eq!(too_long(Path::new("a.rs"), &long), Some(MAX_LINES + 1));
        let tested = format!("{}#[cfg(test)]\n{long}", "fn f() {}\n".repeat(MAX_LINES));
        assert_eq!(too_long(Path::new("a.rs"), &tested), None);
        assert_eq!(too_long(Path::new("tests.rs"), &long), None);
        assert_eq!(too_long(Path::new("mock_tests.rs"), &long), None);
    }
}
