//! The option groups several subcommands share: each subcommand flattens the ones that
//! apply to it.

use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgAction, Args, ValueEnum};

/// `--config`.
#[derive(Debug, Clone, Args)]
pub struct ConfigArgs {
    /// Read options from this TOML file; flags override it [default: ./ecsrole.toml when
    /// present].
    #[arg(long, value_name = "PATH", env = "ECSROLE_CONFIG")]
    pub config: Option<PathBuf>,
}

/// Which role and instance profile.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Role")]
pub struct NameArgs {
    /// The role AWS Batch instances use.
    #[arg(long, value_name = "NAME", default_value = "ecsInstanceRole")]
    pub role_name: String,

    /// The instance profile that carries the role [default: the role name].
    #[arg(long, value_name = "NAME")]
    pub instance_profile_name: Option<String>,
}

/// What the role must look like.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Role")]
pub struct RoleArgs {
    #[command(flatten)]
    pub names: NameArgs,

    /// IAM path of the role and instance profile (created there; a different one is reported).
    #[arg(long, value_name = "PATH", default_value = "/")]
    pub path: String,

    /// Another managed policy that must be attached (repeatable).
    #[arg(long = "extra-policy", value_name = "ARN")]
    pub extra_policies: Vec<String>,

    /// What the role is for: ecs-ec2 (Batch EC2/SPOT, AmazonEC2ContainerServiceforEC2Role) or
    /// ecs-managed-instances (AmazonECSInstanceRolePolicyForManagedInstances; the role name
    /// must start with ecsInstanceRole).
    #[arg(long, value_name = "KIND", default_value = "ecs-ec2", value_parser = ["ecs-ec2", "ecs-managed-instances"])]
    pub kind: String,

    /// aws, aws-cn or aws-us-gov [default: derived from the region].
    #[arg(long, value_name = "PARTITION")]
    pub partition: Option<String>,
}

/// What `diagnose` asks of the roles it finds (their names come from the compute
/// environments).
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Role")]
pub struct PolicyArgs {
    /// Another managed policy the instance roles must have (repeatable).
    #[arg(long = "extra-policy", value_name = "ARN")]
    pub extra_policies: Vec<String>,

    /// aws, aws-cn or aws-us-gov [default: derived from the region].
    #[arg(long, value_name = "PARTITION")]
    pub partition: Option<String>,
}

/// Tags on what ecsrole creates.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Role")]
pub struct TagArgs {
    /// A tag put on the role and instance profile ecsrole creates (repeatable), besides
    /// managed-by=ecsrole.
    #[arg(long = "tag", value_name = "KEY=VALUE")]
    pub tags: Vec<String>,
}

/// How to reach AWS.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "AWS")]
pub struct AwsArgs {
    /// AWS region [default: the standard chain; IAM is global].
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,

    /// Named profile from the AWS config files.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// Send every AWS call here [default: AWS_ENDPOINT_URL* or AWS's endpoints].
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,

    #[arg(long, value_name = "SECONDS", help = timeout_help(),
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub timeout: Option<u64>,
}

/// What is printed.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Output format on stdout.
    #[arg(long, value_enum, default_value_t = Output::Human)]
    pub output: Output,

    /// More detail on stderr (-v steps, -vv AWS calls, -vvv SDK internals).
    #[arg(short, long, action = ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

    /// No progress, notes or human output: errors only, and the exit code tells the result
    /// (--output json still prints its document).
    #[arg(short, long)]
    pub quiet: bool,

    /// Which findings fail the run: error (default), or warning (a run whose only findings
    /// are warnings exits 2 too).
    #[arg(long, value_enum, value_name = "SEVERITY", default_value_t = FailOn::Error)]
    pub fail_on: FailOn,

    /// Append a Markdown summary of the run here [default: $GITHUB_STEP_SUMMARY when set].
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,

    /// Also write the run's SARIF log here (check, plan, diagnose, rescue and their fleet
    /// runs), for code scanning. A run that ends in an error (exit 1) writes none and removes
    /// a file already at FILE, so no upload can read "no findings" from it.
    #[arg(long, value_name = "FILE")]
    pub sarif: Option<PathBuf>,
}

/// `--fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    Error,
    Warning,
}

/// `--report`.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Output")]
pub struct ReportArgs {
    /// Also write a JUnit XML report here.
    #[arg(long, value_name = "PATH")]
    pub report: Option<PathBuf>,
}

/// Fleet mode: the same command in many accounts.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Fleet mode")]
pub struct FleetArgs {
    /// Fleet mode: run in this account through STS AssumeRole (repeatable).
    #[arg(long = "account", value_name = "ID")]
    pub accounts: Vec<String>,

    /// Fleet mode: accounts from a file, one id per line, `#` comments.
    #[arg(long = "accounts", value_name = "FILE")]
    pub accounts_file: Option<PathBuf>,

    /// Fleet mode: every ACTIVE account of the organisation (AWS Organizations; run with
    /// the management account's or a delegated administrator's credentials).
    #[arg(long)]
    pub organization: bool,

    /// Fleet mode: the ACTIVE accounts under this organizational unit, recursively
    /// (repeatable).
    #[arg(long = "ou", value_name = "ID")]
    pub ous: Vec<String>,

    /// Fleet mode: leave this account out (repeatable).
    #[arg(long = "exclude-account", value_name = "ID")]
    pub exclude_accounts: Vec<String>,

    /// Fleet mode: the role assumed in each account.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "OrganizationAccountAccessRole"
    )]
    pub assume_role_name: String,

    /// Fleet mode: how many targets run at once.
    #[arg(long, value_name = "N", default_value_t = 16,
          value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub concurrency: u16,

    /// Set by the config file when it holds a selection key (`accounts`, `accounts_file`,
    /// `organization = true`, `ous`, `exclude_accounts`), even an empty list: fleet mode
    /// was asked for, so a selection that ends with no account is an error.
    #[arg(skip)]
    pub selection_in_config: bool,
}

impl FleetArgs {
    /// Whether fleet mode was asked for: any selection option, from a flag or the config
    /// file. Then the command never runs in the caller's own account instead.
    pub fn asked(&self) -> bool {
        self.selection_in_config
            || !self.accounts.is_empty()
            || self.accounts_file.is_some()
            || self.organization
            || !self.ous.is_empty()
            || !self.exclude_accounts.is_empty()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Output {
    Human,
    Json,
    /// SARIF 2.1.0 (check, plan, diagnose, rescue and their fleet runs): for code scanning.
    Sarif,
}

/// How long a command may take when `--timeout` is not given (verify: its proving; teardown
/// has its own bound).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

fn timeout_help() -> String {
    format!(
        "Bound on the command, in seconds [default: {}; verify: {}, teardown not included]",
        DEFAULT_TIMEOUT.as_secs(),
        ecsrole_batch::DEFAULT_TIMEOUT.as_secs()
    )
}
