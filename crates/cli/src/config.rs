//! The config file: `--config PATH` (or `ECSROLE_CONFIG`), else `./ecsrole.toml` when it
//! exists. It holds the options (and a `[verify]` table); each subcommand takes the keys
//! of the options it has and leaves the others, so one file serves every command. A flag
//! given on the command line (or through its environment variable) wins over the file,
//! the file over the built-in default. A repeatable flag replaces the file's whole list.
//! Values are checked afterwards by the same validation as flags.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::ArgMatches;
use clap::parser::ValueSource;
use serde::Deserialize;

use crate::args::{Cli, Command, Output, VerifyLevel};

/// The file looked for in the current directory when no `--config` is given.
pub const DEFAULT_FILE: &str = "ecsrole.toml";

/// `ecsrole.toml`. Keys are the long flags with `_` for `-`; lists for repeatable flags.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    role_name: Option<String>,
    instance_profile_name: Option<String>,
    path: Option<String>,
    extra_policies: Option<Vec<String>>,
    /// `ecs-ec2` or `ecs-managed-instances`.
    kind: Option<String>,
    /// `[tags]` table: `team = "batch"`.
    tags: Option<BTreeMap<String, String>>,
    partition: Option<String>,
    region: Option<String>,
    profile: Option<String>,
    endpoint_url: Option<String>,
    timeout: Option<u64>,
    output: Option<Output>,
    fail_on: Option<crate::args::FailOn>,
    accounts: Option<Vec<String>>,
    /// Relative to the config file's directory.
    accounts_file: Option<PathBuf>,
    organization: Option<bool>,
    ous: Option<Vec<String>>,
    exclude_accounts: Option<Vec<String>>,
    assume_role_name: Option<String>,
    regions: Option<Vec<String>>,
    concurrency: Option<u16>,
    verify: Option<VerifyFile>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct VerifyFile {
    level: Option<VerifyLevel>,
    subnets: Option<Vec<String>>,
    security_groups: Option<Vec<String>>,
    service_role: Option<String>,
    image: Option<String>,
}

/// Finds the config file, reads it and merges it under the command line in `cli`. A
/// subcommand without `--config` (completions) reads none.
pub fn apply(cli: &mut Cli, matches: &ArgMatches) -> anyhow::Result<()> {
    let Some(config) = cli.command.config() else {
        return Ok(());
    };
    let path = match &config.config {
        Some(path) => path.clone(),
        None if Path::new(DEFAULT_FILE).exists() => PathBuf::from(DEFAULT_FILE),
        None => return Ok(()),
    };
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    let file = parse(&text).map_err(|e| {
        anyhow::anyhow!(
            "invalid config file {}: {}",
            path.display(),
            e.trim_end().replace('\n', "\n  ")
        )
    })?;
    // A file found in the working directory is whatever the checkout holds (an untrusted
    // branch, in CI): it may not send signed requests elsewhere and let the answers decide
    // the exit code. Only a file named with --config may.
    if config.config.is_none()
        && let Some(url) = &file.endpoint_url
    {
        anyhow::bail!(
            "config file {} (found in the working directory) sets endpoint_url = {url:?}: a config file ecsrole finds by itself may not redirect signed requests; expected --endpoint-url, AWS_ENDPOINT_URL, or this file named with --config {} (nothing was sent)",
            path.display(),
            path.display()
        );
    }
    if config.config.is_none() && !cli.command.out().is_some_and(|o| o.quiet) {
        // Said, so that a file nobody named never changes a run without a word.
        eprintln!(
            "note: reading config file {} found in the working directory (--config names another)",
            path.display()
        );
    }
    merge(cli, matches, file, &path)
}

fn parse(text: &str) -> Result<File, String> {
    toml::from_str(text).map_err(|e: toml::de::Error| e.to_string())
}

/// True when the user gave this argument: on the command line or through its env var.
fn given(m: &ArgMatches, id: &str) -> bool {
    matches!(
        m.value_source(id),
        Some(ValueSource::CommandLine | ValueSource::EnvVariable)
    )
}

/// Puts a value from the file into `target`, unless the user gave argument `id`.
fn set<T>(m: &ArgMatches, id: &str, target: &mut T, value: Option<T>) {
    if let Some(v) = value
        && !given(m, id)
    {
        *target = v;
    }
}

/// Merges the file into the options the subcommand has; keys for options it does not have
/// are left unused (one file serves every command).
fn merge(cli: &mut Cli, m: &ArgMatches, file: File, path: &Path) -> anyhow::Result<()> {
    let Some((_, m)) = m.subcommand() else {
        return Ok(());
    };
    let bad = |key: &str, value: &dyn std::fmt::Display, expected: &str| {
        anyhow::anyhow!(
            "invalid {key} {value} in config file {}: expected {expected}",
            path.display()
        )
    };
    if let Some(t) = file.timeout
        && !(1..=86_400).contains(&t)
    {
        return Err(bad("timeout", &t, "1 to 86400 seconds"));
    }
    if let Some(n) = file.concurrency
        && !(1..=1024).contains(&n)
    {
        return Err(bad("concurrency", &n, "1 to 1024"));
    }
    let tags = file
        .tags
        .map(|tags| {
            tags.into_iter()
                .map(|(k, v)| {
                    if k.contains('=') {
                        Err(bad("tag key", &format!("{k:?}"), "a key without ="))
                    } else {
                        Ok(format!("{k}={v}"))
                    }
                })
                .collect::<anyhow::Result<Vec<_>>>()
        })
        .transpose()?;
    let cmd = &mut cli.command;
    if let Some(n) = cmd.names_mut() {
        set(m, "role_name", &mut n.role_name, file.role_name);
        set(
            m,
            "instance_profile_name",
            &mut n.instance_profile_name,
            file.instance_profile_name.map(Some),
        );
    }
    if let Some(r) = cmd.role_mut() {
        set(m, "path", &mut r.path, file.path);
        if let Some(k) = &file.kind
            && ecsrole_core::RoleKind::parse(k).is_none()
        {
            return Err(bad(
                "kind",
                &format!("{k:?}"),
                "ecs-ec2 or ecs-managed-instances",
            ));
        }
        set(m, "kind", &mut r.kind, file.kind.clone());
        set(
            m,
            "extra_policies",
            &mut r.extra_policies,
            file.extra_policies.clone(),
        );
        set(
            m,
            "partition",
            &mut r.partition,
            file.partition.clone().map(Some),
        );
    }
    if let Command::Diagnose(a) = cmd {
        set(
            m,
            "extra_policies",
            &mut a.policies.extra_policies,
            file.extra_policies.clone(),
        );
        set(
            m,
            "partition",
            &mut a.policies.partition,
            file.partition.clone().map(Some),
        );
        set(
            m,
            "regions",
            &mut a.regions,
            file.regions.clone().map(|r| Some(r.join(","))),
        );
    }
    if let Some(t) = cmd.tags_mut() {
        set(m, "tags", &mut t.tags, tags);
    }
    if let Some(o) = cmd.out_mut() {
        set(m, "output", &mut o.output, file.output);
        set(m, "fail_on", &mut o.fail_on, file.fail_on);
    }
    let dir = path.parent().unwrap_or(Path::new(""));
    if let Some(f) = cmd.fleet_mut() {
        f.selection_in_config |= file.accounts.is_some()
            || file.accounts_file.is_some()
            || file.organization == Some(true)
            || file.ous.is_some()
            || file.exclude_accounts.is_some();
        set(m, "accounts", &mut f.accounts, file.accounts);
        set(
            m,
            "accounts_file",
            &mut f.accounts_file,
            file.accounts_file.map(|p| Some(dir.join(p))),
        );
        set(
            m,
            "assume_role_name",
            &mut f.assume_role_name,
            file.assume_role_name.clone(),
        );
        set(m, "concurrency", &mut f.concurrency, file.concurrency);
        set(m, "organization", &mut f.organization, file.organization);
        set(m, "ous", &mut f.ous, file.ous);
        set(
            m,
            "exclude_accounts",
            &mut f.exclude_accounts,
            file.exclude_accounts,
        );
    }
    if let Some(a) = cmd.aws_mut() {
        set(m, "region", &mut a.region, file.region.clone().map(Some));
        set(m, "profile", &mut a.profile, file.profile.map(Some));
        set(
            m,
            "endpoint_url",
            &mut a.endpoint_url,
            file.endpoint_url.map(Some),
        );
        set(m, "timeout", &mut a.timeout, file.timeout.map(Some));
    }
    match cmd {
        Command::Permissions(p) => {
            set(m, "region", &mut p.region, file.region.map(Some));
            set(
                m,
                "assume_role_name",
                &mut p.assume_role_name,
                file.assume_role_name,
            );
        }
        Command::Verify(a) => {
            set(
                m,
                "regions",
                &mut a.regions,
                file.regions.map(|r| Some(r.join(","))),
            );
            if let Some(v) = file.verify {
                set(m, "level", &mut a.level, v.level);
                set(m, "subnets", &mut a.subnets, v.subnets);
                set(
                    m,
                    "security_groups",
                    &mut a.security_groups,
                    v.security_groups,
                );
                set(
                    m,
                    "service_role",
                    &mut a.service_role,
                    v.service_role.map(Some),
                );
                set(m, "image", &mut a.image, v.image);
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVERY_KEY: &str = r#"
role_name = "r"
instance_profile_name = "p"
path = "/batch/"
extra_policies = ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"]
partition = "aws"
region = "us-east-1"
profile = "dev"
endpoint_url = "http://127.0.0.1:5000"
timeout = 30
output = "json"
accounts = ["111111111111"]
accounts_file = "accounts.txt"
assume_role_name = "Admin"
regions = ["us-east-1", "eu-west-1"]
concurrency = 4
organization = true
ous = ["ou-ab12-cdef3456"]
exclude_accounts = ["222222222222"]

[tags]
team = "batch"

[verify]
level = "job"
subnets = ["subnet-1"]
security_groups = ["sg-1"]
service_role = "arn:aws:iam::111111111111:role/batch"
image = "busybox"
"#;

    #[test]
    fn every_key_parses_and_merges() {
        let file = parse(EVERY_KEY).unwrap();
        assert_eq!(file.output, Some(Output::Json));
        assert_eq!(file.verify.unwrap().level, Some(VerifyLevel::Job));
        // Every key's argument id exists (clap panics on an unknown one in debug builds).
        let cli = merged(&["ecsrole", "verify"], EVERY_KEY);
        let Command::Verify(a) = &cli.command else {
            panic!("verify")
        };
        assert_eq!(
            (
                a.common.role.names.role_name.as_str(),
                a.common.role.path.as_str(),
                a.common.aws.timeout
            ),
            ("r", "/batch/", Some(30))
        );
        assert_eq!(
            a.common.aws.endpoint_url.as_deref(),
            Some("http://127.0.0.1:5000")
        );
        assert_eq!(
            a.service_role.as_deref(),
            Some("arn:aws:iam::111111111111:role/batch")
        );
        assert_eq!(a.regions.as_deref(), Some("us-east-1,eu-west-1"));
        let cli = merged(&["ecsrole", "apply"], EVERY_KEY);
        let Command::Apply(a) = &cli.command else {
            panic!("apply")
        };
        assert_eq!(a.tags.tags, ["team=batch"]);
        // Keys for options a command does not have are left alone, not refused.
        for args in [
            &["ecsrole", "check"][..],
            &["ecsrole", "plan"],
            &["ecsrole", "destroy"],
            &["ecsrole", "cleanup"],
            &["ecsrole", "permissions"],
        ] {
            merged(args, EVERY_KEY);
        }
    }

    fn merged(args: &[&str], text: &str) -> Cli {
        use clap::{CommandFactory, FromArgMatches};
        let m = Cli::command().try_get_matches_from(args).unwrap();
        let mut cli = Cli::from_arg_matches(&m).unwrap();
        merge(
            &mut cli,
            &m,
            parse(text).unwrap(),
            Path::new("/etc/x/ecsrole.toml"),
        )
        .unwrap();
        cli
    }

    #[test]
    fn fleet_keys_merge_under_the_flags() {
        let text = "accounts = [\"111111111111\"]\naccounts_file = \"a.txt\"\n\
                    regions = [\"us-east-1\", \"eu-west-1\"]\nconcurrency = 4\n";
        let cli = merged(&["ecsrole", "check"], text);
        let f = cli.command.fleet().unwrap();
        assert_eq!(f.accounts, ["111111111111"]);
        assert_eq!(f.accounts_file.as_deref(), Some(Path::new("/etc/x/a.txt")));
        assert_eq!(f.concurrency, 4);
        let cli = merged(
            &[
                "ecsrole",
                "check",
                "--account",
                "222222222222",
                "--concurrency",
                "16",
            ],
            text,
        );
        let f = cli.command.fleet().unwrap();
        assert_eq!(f.accounts, ["222222222222"]);
        assert_eq!(f.concurrency, 16);
    }

    #[test]
    fn a_selection_key_asks_for_fleet_mode_even_when_empty() {
        for text in [
            "accounts = []\n",
            "ous = []\n",
            "exclude_accounts = [\"222222222222\"]\n",
            "accounts_file = \"empty.txt\"\n",
            "organization = true\n",
        ] {
            let cli = merged(&["ecsrole", "apply"], text);
            assert!(cli.command.fleet().unwrap().asked(), "{text}");
        }
        for text in ["organization = false\n", "concurrency = 4\n", ""] {
            let cli = merged(&["ecsrole", "apply"], text);
            assert!(!cli.command.fleet().unwrap().asked(), "{text}");
        }
    }

    #[test]
    fn verify_table_merges_under_the_verify_flags() {
        let text = "[verify]\nlevel = \"job\"\nsubnets = [\"subnet-1\"]\nimage = \"busybox\"\n";
        let cli = merged(&["ecsrole", "verify", "--level", "ce"], text);
        let Command::Verify(a) = &cli.command else {
            panic!("verify")
        };
        assert_eq!(a.level, VerifyLevel::Ce);
        assert_eq!(a.subnets, ["subnet-1"]);
        assert_eq!(a.image, "busybox");
    }

    #[test]
    fn unknown_keys_are_named_with_their_line() {
        let e = parse("role_name = \"r\"\nrolename = \"x\"\n").unwrap_err();
        assert!(e.contains("rolename"), "{e}");
        assert!(e.contains("line 2"), "{e}");
        let e = parse("[verify]\nlevl = \"ce\"\n").unwrap_err();
        assert!(e.contains("levl"), "{e}");
    }
}
