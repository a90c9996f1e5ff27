//! The command-line contract. Other tools depend on these names: keep them.

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "ecsrole",
    version,
    about = "Check, repair and prove the IAM role AWS Batch needs on its EC2 instances",
    long_about = "Check, repair and prove the IAM role AWS Batch needs on its EC2 instances.\n\n\
        Exit codes: 0 compliant / done, 1 could not decide (error, bad input), 2 drift or pending changes."
)]
pub struct Cli {
    #[command(flatten)]
    pub common: Common,
    #[command(subcommand)]
    pub command: Command,
}

/// Options accepted by every subcommand, before or after it.
#[derive(Debug, Args)]
pub struct Common {
    /// Read options from this TOML file; flags override it [default: ./ecsrole.toml when
    /// present].
    #[arg(long, global = true, value_name = "PATH", env = "ECSROLE_CONFIG")]
    pub config: Option<std::path::PathBuf>,

    /// The role AWS Batch instances use.
    #[arg(
        long,
        global = true,
        value_name = "NAME",
        default_value = "ecsInstanceRole"
    )]
    pub role_name: String,

    /// The instance profile that carries the role [default: the role name].
    #[arg(long, global = true, value_name = "NAME")]
    pub instance_profile_name: Option<String>,

    /// IAM path for a role and instance profile ecsrole creates.
    #[arg(long, global = true, value_name = "PATH", default_value = "/")]
    pub path: String,

    /// Another managed policy that must be attached (repeatable).
    #[arg(long = "extra-policy", global = true, value_name = "ARN")]
    pub extra_policies: Vec<String>,

    /// A tag put on what ecsrole creates (repeatable).
    #[arg(long = "tag", global = true, value_name = "KEY=VALUE")]
    pub tags: Vec<String>,

    /// aws, aws-cn or aws-us-gov [default: derived from the region].
    #[arg(long, global = true, value_name = "PARTITION")]
    pub partition: Option<String>,

    /// AWS region [default: the standard chain; IAM is global].
    #[arg(long, global = true, value_name = "REGION")]
    pub region: Option<String>,

    /// Named profile from the AWS config files.
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,

    /// Send every AWS call here [default: AWS_ENDPOINT_URL* or AWS's endpoints].
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,

    /// Bound on the command, in seconds [default: 120; verify: 900, teardown not included].
    #[arg(long, global = true, value_name = "SECONDS",
          value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub timeout: Option<u64>,

    /// Output format on stdout.
    #[arg(long, global = true, value_enum, default_value_t = Output::Human)]
    pub output: Output,

    /// Also write a JUnit XML report here (check, plan, apply, verify, fleet runs).
    #[arg(long, global = true, value_name = "PATH")]
    pub report: Option<std::path::PathBuf>,

    /// More detail on stderr (-v steps, -vv AWS calls, -vvv SDK internals).
    #[arg(short, long, global = true, action = ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Fleet mode: run in this account through STS AssumeRole (repeatable).
    #[arg(long = "account", global = true, value_name = "ID")]
    pub accounts: Vec<String>,

    /// Fleet mode: accounts from a file, one id per line, `#` comments.
    #[arg(long = "accounts", global = true, value_name = "FILE")]
    pub accounts_file: Option<std::path::PathBuf>,

    /// Fleet mode: the role assumed in each account.
    #[arg(
        long,
        global = true,
        value_name = "NAME",
        default_value = "OrganizationAccountAccessRole"
    )]
    pub assume_role_name: String,

    /// Fleet mode, verify: the regions to verify in, comma-separated [default: the region].
    #[arg(long, global = true, value_name = "R1,R2")]
    pub regions: Option<String>,

    /// Fleet mode: how many targets run at once.
    #[arg(long, global = true, value_name = "N", default_value_t = 16,
          value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub concurrency: u16,

    /// Print nothing but errors; the exit code tells the result.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Output {
    Human,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Report drift (read-only). Exit 0 compliant, 2 drift, 1 could not decide.
    Check,
    /// Show the changes apply would make (read-only). Exit 0 nothing to do, 2 changes pending.
    Plan(ChangeArgs),
    /// Make the planned changes, then wait until IAM shows the instance profile with the role.
    Apply(ApplyArgs),
    /// Delete the role and instance profile ecsrole created (tagged managed-by=ecsrole).
    Destroy(DestroyArgs),
    /// Prove the role works: an AWS Batch compute environment, an instance joining ECS, or a
    /// job succeeding; then tear everything down. Exit 0 verified, 2 drift, 3 the role does
    /// not work, 1 other errors.
    Verify(VerifyArgs),
    /// Delete what earlier verify runs left behind (tagged ecsrole:verify-run or named
    /// ecsrole-verify-*).
    Cleanup(CleanupArgs),
    /// Print a shell completion script to stdout (bash, zsh, fish, powershell, elvish).
    Completions(CompletionsArgs),
    /// Print the least-privilege IAM policy (JSON) the operator needs, scoped to the role,
    /// instance profile, path and partition given. Makes no AWS call.
    Permissions(PermissionsArgs),
}

#[derive(Debug, Args)]
pub struct PermissionsArgs {
    /// The command(s) to grant (repeatable); `fleet` is the operator's side of a fleet run
    /// (sts:AssumeRole on --assume-role-name), `all` every one.
    #[arg(
        long = "command",
        value_name = "COMMAND",
        default_value = "all",
        value_parser = permissions_command()
    )]
    pub commands: Vec<String>,
}

/// The values of `permissions --command`: the permission table's commands, and `all`.
fn permissions_command() -> clap::builder::PossibleValuesParser {
    use ecsrole_core::permissions::Command;
    clap::builder::PossibleValuesParser::new(Command::ALL.iter().map(|c| c.as_str()).chain(["all"]))
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VerifyLevel {
    /// The compute environment becomes VALID.
    Ce,
    /// A container instance registers in the compute environment's ECS cluster.
    Instance,
    /// A job runs to SUCCEEDED.
    Job,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// How far to prove.
    #[arg(long, value_enum, default_value_t = VerifyLevel::Instance)]
    pub level: VerifyLevel,
    /// Subnet for the compute environment (repeatable) [default: the default VPC's].
    #[arg(long = "subnet", value_name = "ID")]
    pub subnets: Vec<String>,
    /// Security group (repeatable) [default: the default VPC's `default` group].
    #[arg(long = "security-group", value_name = "ID")]
    pub security_groups: Vec<String>,
    /// Batch service role ARN [default: the service-linked role AWSServiceRoleForBatch, created when missing].
    #[arg(long, value_name = "ARN")]
    pub service_role: Option<String>,
    /// Image the level-job test job runs (its command is `true`).
    #[arg(long, value_name = "URI", default_value = ecsrole_batch::verify::DEFAULT_IMAGE)]
    pub image: String,
    /// Leave the resources in place (remove them later with `ecsrole cleanup`).
    #[arg(long)]
    pub keep: bool,
}

#[derive(Debug, Args)]
pub struct CleanupArgs {
    /// Only list what would be deleted.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct ChangeArgs {
    /// Remove another role from the instance profile to make room for this one.
    #[arg(long)]
    pub replace_profile_role: bool,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub change: ChangeArgs,
    /// Do not wait for IAM to show the instance profile with the role.
    #[arg(long)]
    pub no_wait: bool,
    /// How long to wait for IAM to show the instance profile with the role.
    #[arg(long, value_name = "SECONDS", default_value_t = 60, conflicts_with = "no_wait",
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub wait_timeout: u64,
}

#[derive(Debug, Args)]
pub struct DestroyArgs {
    /// Delete even what is not tagged managed-by=ecsrole.
    #[arg(long)]
    pub force: bool,
}
