//! Shell completions, man pages and the option table of docs/options.md, rendered from the clap
//! contract. `ecsrole completions` prints the first; the committed copies under
//! `crates/cli/{completions,doc}/` and the table in `docs/options.md` are written by `cargo xtask
//! gen` (which runs the test below with `ECSROLE_GEN=1`) and checked by the same test on
//! every `cargo xtask test`.

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

/// roff text: `-` as `\-` (a hyphen, not a minus), a leading `.` or `'` escaped.
fn roff_text(s: &str) -> String {
    let t = s.replace('\\', "\\e").replace('-', "\\-");
    if t.starts_with('.') || t.starts_with('\'') {
        format!("\\&{t}")
    } else {
        t
    }
}

/// EXIT STATUS, ENVIRONMENT, FILES and EXAMPLES, for the page of subcommand `name`
/// (`ecsrole` for the main page).
fn extra_sections(name: &str) -> String {
    let mut exits = vec![
        (
            "0",
            "compliant: nothing to do, no finding of severity error (with --fail-on warning: no finding at all)",
        ),
        (
            "1",
            "could not decide: bad input (nothing is sent), an AWS error, a timeout",
        ),
        (
            "2",
            "drift: findings, or changes pending; never a usage error",
        ),
    ];
    if matches!(name, "ecsrole" | "verify") {
        exits.push(("3", "verify: the role was shown not to work"));
    }
    let env = [
        (
            "AWS_PROFILE, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN",
            "the AWS SDK's standard credential and region chain",
        ),
        (
            "AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>",
            "send the signed requests elsewhere (an emulator); ecsrole says where",
        ),
        ("ECSROLE_CONFIG", "the config file, as --config"),
        (
            "GITHUB_STEP_SUMMARY",
            "append a Markdown summary of the run there (as --summary)",
        ),
        ("NO_COLOR", "no colour on stderr"),
    ];
    let files = [
        (
            "./ecsrole.toml",
            "options read when no --config is given (it may not set endpoint_url)",
        ),
        (
            "~/.aws/config, ~/.aws/credentials",
            "the AWS SDK's shared configuration and credentials",
        ),
    ];
    let examples: &[(&str, &str)] = match name {
        "check" => &[
            (
                "ecsrole check",
                "report drift of ecsInstanceRole; exit 2 on drift",
            ),
            (
                "ecsrole check --output sarif > ecsrole.sarif",
                "the findings for code scanning",
            ),
            (
                "ecsrole check --organization --fail-on warning",
                "every account of the organisation; warnings fail too",
            ),
        ],
        "plan" => &[("ecsrole plan --output json", "the changes apply would make")],
        "apply" => &[
            (
                "ecsrole apply",
                "create or repair the role and instance profile",
            ),
            (
                "ecsrole apply --kind ecs-managed-instances --role-name ecsInstanceRoleMI",
                "the role ECS Managed Instances need",
            ),
        ],
        "verify" => &[
            (
                "ecsrole verify --level job",
                "prove it with an AWS Batch job, then tear down",
            ),
            (
                "ecsrole verify --level ce --region eu-west-1",
                "only up to a VALID compute environment",
            ),
        ],
        "diagnose" => &[
            (
                "ecsrole diagnose",
                "every compute environment and job queue in the region",
            ),
            (
                "ecsrole diagnose --job 5f3e... --output json",
                "why this job waits",
            ),
        ],
        "destroy" => &[(
            "ecsrole destroy --dry-run",
            "what would be deleted, and what stops it",
        )],
        "cleanup" => &[(
            "ecsrole cleanup",
            "delete what earlier verify runs left once their lease ended",
        )],
        "export" => &[(
            "ecsrole export --format cloudformation > role.yaml",
            "a template for StackSets",
        )],
        "permissions" => &[(
            "ecsrole permissions check apply",
            "the IAM policy those commands need",
        )],
        _ => &[
            ("ecsrole check", "report drift; exit 2 on drift"),
            (
                "ecsrole apply && ecsrole verify --level job",
                "repair, then prove",
            ),
        ],
    };
    let mut out = String::from(".SH \"EXIT STATUS\"\n");
    for (code, what) in exits {
        out.push_str(&format!(".TP\n{code}\n{}\n", roff_text(what)));
    }
    out.push_str(".SH ENVIRONMENT\n");
    for (var, what) in env {
        out.push_str(&format!(
            ".TP\n\\fB{}\\fR\n{}\n",
            roff_text(var),
            roff_text(what)
        ));
    }
    out.push_str(".SH FILES\n");
    for (file, what) in files {
        out.push_str(&format!(
            ".TP\n\\fI{}\\fR\n{}\n",
            roff_text(file),
            roff_text(what)
        ));
    }
    out.push_str(".SH EXAMPLES\n");
    for (line, what) in examples {
        out.push_str(&format!(
            ".TP\n\\fB{}\\fR\n{}\n",
            roff_text(line),
            roff_text(what)
        ));
    }
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
        roff.extend_from_slice(extra_sections(cmd.get_name()).as_bytes());
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

/// A long option and the subcommands that offer it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionRow {
    /// `--role-name`.
    pub long: String,
    /// `-v`.
    pub short: Option<char>,
    /// The value's name (`NAME`), `None` for a flag.
    pub value: Option<String>,
    pub help: String,
    /// The default, as clap shows it.
    pub default: Option<String>,
    /// The subcommands that offer it, in the order they are listed.
    pub commands: Vec<String>,
}

/// The subcommands, in the order they are listed.
pub fn subcommands() -> Vec<String> {
    Cli::command()
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect()
}

/// Every long option of every subcommand (but `--help`), in order of first appearance.
pub fn options() -> Vec<OptionRow> {
    let mut rows: Vec<OptionRow> = Vec::new();
    for sub in Cli::command().get_subcommands() {
        for arg in sub.get_arguments() {
            let Some(long) = arg.get_long() else { continue };
            let long = format!("--{long}");
            if long == "--help" {
                continue;
            }
            let name = sub.get_name().to_owned();
            let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
            // One row per option and meaning: `--dry-run` of destroy is not cleanup's.
            if let Some(row) = rows.iter_mut().find(|r| r.long == long && r.help == help) {
                row.commands.push(name);
                continue;
            }
            let possible: Vec<String> = arg
                .get_possible_values()
                .iter()
                .map(|v| v.get_name().to_owned())
                .collect();
            let value = arg.get_action().takes_values().then(|| {
                if (1..=4).contains(&possible.len()) {
                    possible.join("|")
                } else {
                    arg.get_value_names()
                        .and_then(|v| v.first())
                        .map_or_else(|| arg.get_id().as_str().to_uppercase(), |v| v.to_string())
                }
            });
            let defaults: Vec<String> = arg
                .get_default_values()
                .iter()
                .map(|v| v.to_string_lossy().into_owned())
                .collect();
            rows.push(OptionRow {
                long,
                short: arg.get_short(),
                value,
                help,
                default: (!defaults.is_empty()).then(|| defaults.join(",")),
                commands: vec![name],
            });
        }
    }
    rows
}

const TABLE_BEGIN: &str =
    "<!-- options: generated from the clap contract by `cargo xtask gen` -->\n";
const TABLE_END: &str = "<!-- end of options -->\n";

/// The option table of docs/options.md: each option, the subcommands that offer it, what it does.
pub fn options_table() -> String {
    let mut out = String::from(TABLE_BEGIN);
    out.push_str("| option | offered by | meaning | default |\n|---|---|---|---|\n");
    let cell = |s: &str| s.replace('|', "\\|");
    for row in options() {
        let short = row.short.map_or(String::new(), |c| format!("`-{c}`, "));
        let option = match &row.value {
            Some(v) => format!("{short}`{} {}`", row.long, cell(v)),
            None => format!("{short}`{}`", row.long),
        };
        out.push_str(&format!(
            "| {option} | {} | {} | {} |\n",
            row.commands.join(", "),
            cell(&row.help),
            row.default
                .as_deref()
                .map_or(String::new(), |d| format!("`{d}`"))
        ));
    }
    out.push_str(TABLE_END);
    out
}

/// `page` with what stands from `begin` to `end` (both included) replaced by `block`.
fn with_between(page: &str, begin: &str, end: &str, block: &str) -> Option<String> {
    let start = page.find(begin)?;
    let stop = page[start..].find(end)? + start + end.len();
    Some(format!("{}{block}{}", &page[..start], &page[stop..]))
}

const CODES_BEGIN: &str = "<!-- codes: generated from the code table by `cargo xtask gen` -->\n";
const CODES_END: &str = "<!-- end of codes -->\n";

/// A code table for a page: the rows the code declares (`FindingCode`'s, or diagnose's
/// `Code`'s), between the markers.
fn code_table(rows: impl IntoIterator<Item = String>) -> String {
    let mut out = String::from(CODES_BEGIN);
    out.push_str("| code | severity | meaning | resource |\n|---|---|---|---|\n");
    for row in rows {
        out.push_str(&row);
        out.push('\n');
    }
    out.push_str(CODES_END);
    out
}

/// `check`'s code table (docs/findings.md).
pub fn findings_table() -> String {
    code_table(ecsrole_core::FindingCode::ALL.iter().map(|c| c.doc().row()))
}

/// diagnose's code table (docs/diagnose.md): its own codes, and after the profile's the
/// row that stands for `check`'s findings on the profile's role.
pub fn diagnose_table() -> String {
    const ROLE_ROW: &str = "| `instance_profile_missing_role`, `role_missing`, `trust_policy_*`, `managed_policy_not_attached` | as for `check` | the profile holds no role, or its role has `check`'s findings | as for `check` |";
    let mut rows: Vec<String> = ecsrole_batch::diagnose::Code::OWN
        .iter()
        .map(|c| c.doc().row())
        .collect();
    rows.insert(2.min(rows.len()), ROLE_ROW.to_owned());
    code_table(rows)
}

/// The pages whose tables are generated, each as (path relative to `crates/cli`, what
/// its generated block is, the block).
pub fn generated_tables() -> Vec<(&'static str, &'static str, &'static str, String)> {
    vec![
        (
            "../../docs/options.md",
            TABLE_BEGIN,
            TABLE_END,
            options_table(),
        ),
        (
            "../../docs/findings.md",
            CODES_BEGIN,
            CODES_END,
            findings_table(),
        ),
        (
            "../../docs/diagnose.md",
            CODES_BEGIN,
            CODES_END,
            diagnose_table(),
        ),
    ]
}

/// `page` with its generated block (`begin`..`end`) replaced; `None` without markers.
pub fn with_table(page: &str, begin: &str, end: &str, block: &str) -> Option<String> {
    with_between(page, begin, end, block)
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

    #[test]
    fn every_man_page_has_exit_status_environment_files_and_examples() {
        let pages = super::man_pages();
        assert!(pages.len() > 10);
        for (name, roff) in &pages {
            let text = String::from_utf8_lossy(roff);
            for section in [
                ".SH \"EXIT STATUS\"",
                ".SH ENVIRONMENT",
                ".SH FILES",
                ".SH EXAMPLES",
            ] {
                assert!(text.contains(section), "{name}: no {section}");
            }
            assert_eq!(
                text.contains("\n3\n"),
                name == "ecsrole.1" || name == "ecsrole-verify.1",
                "{name}: exit 3 is verify's"
            );
        }
    }
    use std::path::Path;

    #[test]
    fn the_docs_list_every_finding_code() {
        let page = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/diagnose.md"),
        )
        .unwrap();
        for code in ecsrole_batch::diagnose::Code::OWN {
            let code = format!("`{}`", code.as_str());
            assert!(
                page.contains(&code),
                "docs/diagnose.md lacks diagnose's {code}"
            );
        }
    }

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
        // The tables of docs/: options, and each page's finding codes.
        for (rel, begin, end, block) in super::generated_tables() {
            let page_path = root.join(rel);
            let page = std::fs::read_to_string(&page_path).unwrap();
            let fresh = super::with_table(&page, begin, end, &block)
                .unwrap_or_else(|| panic!("{rel} holds no {begin:?} marker"));
            if fresh != page {
                if write {
                    std::fs::write(&page_path, fresh).unwrap();
                } else {
                    stale.push(format!("{rel} (generated table)"));
                }
            }
        }
        assert!(
            stale.is_empty(),
            "stale generated files in crates/cli: {stale:?}; run `cargo xtask gen`"
        );
    }
}
