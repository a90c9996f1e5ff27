//! Shell completions and man pages, rendered from the clap contract. `ecsrole completions`
//! prints the former; the committed copies under `crates/cli/{completions,doc}/` are
//! written by `cargo xtask gen` (which runs the test below with `ECSROLE_GEN=1`) and
//! checked by the same test on every `cargo xtask test`.

use clap::CommandFactory;
use clap_complete::{Generator, Shell};

use crate::args::Cli;

/// The shells `ecsrole completions` knows, in the order the committed copies are listed.
pub const SHELLS: [Shell; 5] = [
    Shell::Bash,
    Shell::Zsh,
    Shell::Fish,
    Shell::PowerShell,
    Shell::Elvish,
];

/// The completion script for `shell`.
pub fn completions(shell: Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "ecsrole", &mut out);
    out
}

/// The man pages: `ecsrole.1` and one `ecsrole-<subcommand>.1` per subcommand, as
/// (file name, roff).
pub fn man_pages() -> Vec<(String, Vec<u8>)> {
    fn add(cmd: clap::Command, pages: &mut Vec<(String, Vec<u8>)>) {
        let man = clap_mangen::Man::new(cmd.clone());
        let mut roff = Vec::new();
        man.render(&mut roff)
            .expect("rendering into memory cannot fail");
        pages.push((man.get_filename(), roff));
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            add(sub.clone(), pages);
        }
    }
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut pages = Vec::new();
    add(cmd, &mut pages);
    pages
}

/// Every generated file, as (path relative to `crates/cli`, contents).
pub fn generated() -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = SHELLS
        .iter()
        .map(|&s| {
            (
                format!("completions/{}", s.file_name("ecsrole")),
                completions(s),
            )
        })
        .collect();
    files.extend(
        man_pages()
            .into_iter()
            .map(|(name, roff)| (format!("doc/{name}"), roff)),
    );
    files
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Fails when a committed completion script or man page differs from what the code
    /// renders; `ECSROLE_GEN=1` (set by `cargo xtask gen`) rewrites them instead.
    #[test]
    fn generated_docs_are_fresh() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let write = std::env::var_os("ECSROLE_GEN").is_some();
        let files = super::generated();
        let mut stale = Vec::new();
        for (rel, contents) in &files {
            let path = root.join(rel);
            if write {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, contents).unwrap();
            } else if std::fs::read(&path).ok().as_ref() != Some(contents) {
                stale.push(rel.clone());
            }
        }
        // Pages of removed subcommands must go too.
        for dir in ["completions", "doc"] {
            for entry in std::fs::read_dir(root.join(dir)).into_iter().flatten() {
                let name = entry.unwrap().file_name();
                let rel = format!("{dir}/{}", name.to_string_lossy());
                if !files.iter().any(|(f, _)| *f == rel) {
                    if write {
                        std::fs::remove_file(root.join(&rel)).unwrap();
                    } else {
                        stale.push(rel);
                    }
                }
            }
        }
        assert!(
            stale.is_empty(),
            "stale generated files in crates/cli: {stale:?}; run `cargo xtask gen`"
        );
    }
}
