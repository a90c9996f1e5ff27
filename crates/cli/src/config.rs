//! The config file: `--config PATH` (or `ECSROLE_CONFIG`), else `./ecsrole.toml` when it
//! exists. It holds the global options (and a `[verify]` table); a flag given on the
//! command line (or through its environment variable) wins over the file, the file over
//! the built-in default. A repeatable flag replaces the file's whole list. Values are
//! checked afterwards by the same validation as flags.

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
    /// `[tags]` table: `team = "batch"`.
    tags: Option<BTreeMap<String, String>>,
    partition: Option<String>,
    region: Option<String>,
    profile: Option<String>,
    endpoint_url: Option<String>,
    timeout: Option<u64>,
    output: Option<Output>,
    accounts: Option<Vec<String>>,
    /// Relative to the config file's directory.
    accounts_file: Option<PathBuf>,
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

/// Finds the config file, reads it and merges it under the command line in `cli`.
pub fn apply(cli: &mut Cli, matches: &ArgMatches) -> anyhow::Result<()> {
    let path = match &cli.common.config {
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

fn merge(cli: &mut Cli, m: &ArgMatches, file: File, path: &Path) -> anyhow::Result<()> {
    let c = &mut cli.common;
    let bad = |key: &str, value: &dyn std::fmt::Display, expected: &str| {
        anyhow::anyhow!(
            "invalid {key} {value} in config file {}: expected {expected}",
            path.display()
        )
    };
    macro_rules! set {
        ($field:ident, $value:expr) => {
            if let Some(v) = $value
                && !given(m, stringify!($field))
            {
                c.$field = v;
            }
        };
    }
    macro_rules! set_opt {
        ($field:ident, $value:expr) => {
            if let Some(v) = $value
                && !given(m, stringify!($field))
            {
                c.$field = Some(v);
            }
        };
    }
    set!(role_name, file.role_name);
    set_opt!(instance_profile_name, file.instance_profile_name);
    set!(path, file.path);
    set!(extra_policies, file.extra_policies);
    if let Some(tags) = file.tags
        && !given(m, "tags")
    {
        c.tags = tags
            .into_iter()
            .map(|(k, v)| {
                if k.contains('=') {
                    Err(bad("tag key", &format!("{k:?}"), "a key without ="))
                } else {
                    Ok(format!("{k}={v}"))
                }
            })
            .collect::<anyhow::Result<_>>()?;
    }
    set_opt!(partition, file.partition);
    set_opt!(region, file.region);
    set_opt!(profile, file.profile);
    set_opt!(endpoint_url, file.endpoint_url);
    if let Some(t) = file.timeout
        && !(1..=86_400).contains(&t)
    {
        return Err(bad("timeout", &t, "1 to 86400 seconds"));
    }
    set_opt!(timeout, file.timeout);
    set!(output, file.output);
    set!(accounts, file.accounts);
    let dir = path.parent().unwrap_or(Path::new(""));
    set_opt!(accounts_file, file.accounts_file.map(|p| dir.join(p)));
    set!(assume_role_name, file.assume_role_name);
    set_opt!(regions, file.regions.map(|r| r.join(",")));
    if let Some(n) = file.concurrency
        && !(1..=1024).contains(&n)
    {
        return Err(bad("concurrency", &n, "1 to 1024"));
    }
    set!(concurrency, file.concurrency);

    if let (Command::Verify(a), Some(v), Some(m)) = (
        &mut cli.command,
        file.verify,
        m.subcommand_matches("verify"),
    ) {
        macro_rules! set_verify {
            ($field:ident, $value:expr) => {
                if let Some(v) = $value
                    && !given(m, stringify!($field))
                {
                    a.$field = v;
                }
            };
        }
        set_verify!(level, v.level);
        set_verify!(subnets, v.subnets);
        set_verify!(security_groups, v.security_groups);
        set_verify!(service_role, v.service_role.map(Some));
        set_verify!(image, v.image);
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
        let c = &cli.common;
        assert_eq!(
            (c.role_name.as_str(), c.path.as_str(), c.timeout),
            ("r", "/batch/", Some(30))
        );
        assert_eq!(c.tags, ["team=batch"]);
        assert_eq!(c.endpoint_url.as_deref(), Some("http://127.0.0.1:5000"));
        let Command::Verify(a) = &cli.command else {
            panic!("verify")
        };
        assert_eq!(
            a.service_role.as_deref(),
            Some("arn:aws:iam::111111111111:role/batch")
        );
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
        let c = &cli.common;
        assert_eq!(c.accounts, ["111111111111"]);
        assert_eq!(c.accounts_file.as_deref(), Some(Path::new("/etc/x/a.txt")));
        assert_eq!(c.regions.as_deref(), Some("us-east-1,eu-west-1"));
        assert_eq!(c.concurrency, 4);
        let cli = merged(
            &[
                "ecsrole",
                "--account",
                "222222222222",
                "check",
                "--concurrency",
                "16",
            ],
            text,
        );
        assert_eq!(cli.common.accounts, ["222222222222"]);
        assert_eq!(cli.common.concurrency, 16);
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
