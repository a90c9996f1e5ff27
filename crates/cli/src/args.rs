//! The command-line contract. Other tools depend on these names: keep them.
//!
//! Each subcommand offers exactly the options that apply to it (an option that does not
//! apply is not offered, so clap refuses it with exit 1 before anything runs); the
//! options come in groups that several subcommands share. `Command`'s accessors give the
//! groups a subcommand has, for the code that handles every command alike.

use std::path::{Path, PathBuf};

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "ecsrole",
    version,
    about = "Check, repair and prove the IAM role AWS Batch needs on its EC2 instances",
    long_about = "Check, repair and prove the IAM role AWS Batch needs on its EC2 instances.\n\n\
        Exit codes: 0 compliant / done, 1 could not decide (error, bad input), 2 drift or \
        pending changes, 3 (verify) the role was shown not to work."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

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

    /// Bound on the command, in seconds [default: 120; verify: 900, teardown not included].
    #[arg(long, value_name = "SECONDS",
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

    /// Print nothing but errors; the exit code tells the result.
    #[arg(short, long)]
    pub quiet: bool,
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
    Check(CheckArgs),
    /// Show the changes apply would make (read-only). Exit 0 nothing to do, 2 changes pending.
    Plan(PlanArgs),
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
pub struct CheckArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub role: RoleArgs,
    #[command(flatten)]
    pub aws: AwsArgs,
    #[command(flatten)]
    pub out: OutputArgs,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub fleet: FleetArgs,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub change: ChangeArgs,
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub role: RoleArgs,
    #[command(flatten)]
    pub tags: TagArgs,
    #[command(flatten)]
    pub aws: AwsArgs,
    #[command(flatten)]
    pub out: OutputArgs,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub fleet: FleetArgs,
}

/// What plan and apply may change beyond adding what is missing.
#[derive(Debug, Clone, Copy, Args)]
pub struct ChangeArgs {
    /// Remove another role from the instance profile to make room for this one.
    #[arg(long)]
    pub replace_profile_role: bool,
    /// Replace the trust policy with the EC2 one, dropping every other statement (the only
    /// way ecsrole removes a statement).
    #[arg(long)]
    pub replace_trust_policy: bool,
}

impl ApplyArgs {
    pub fn options(&self) -> ecsrole_core::ApplyOptions {
        ecsrole_core::ApplyOptions {
            plan: self.change.plan_options(),
            wait: (!self.no_wait).then_some(std::time::Duration::from_secs(self.wait_timeout)),
        }
    }
}

impl ChangeArgs {
    pub fn plan_options(self) -> ecsrole_core::PlanOptions {
        ecsrole_core::PlanOptions {
            replace_profile_role: self.replace_profile_role,
            replace_trust_policy: self.replace_trust_policy,
        }
    }
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
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub role: RoleArgs,
    #[command(flatten)]
    pub tags: TagArgs,
    #[command(flatten)]
    pub aws: AwsArgs,
    #[command(flatten)]
    pub out: OutputArgs,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub fleet: FleetArgs,
}

#[derive(Debug, Args)]
pub struct DestroyArgs {
    /// Delete even what is not tagged managed-by=ecsrole.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub names: NameArgs,
    #[command(flatten)]
    pub aws: AwsArgs,
    #[command(flatten)]
    pub out: OutputArgs,
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
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub role: RoleArgs,
    #[command(flatten)]
    pub aws: AwsArgs,
    #[command(flatten)]
    pub out: OutputArgs,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub fleet: FleetArgs,
    /// Fleet mode: the regions to verify in, comma-separated [default: the region].
    #[arg(long, value_name = "R1,R2")]
    pub regions: Option<String>,
}

#[derive(Debug, Args)]
pub struct CleanupArgs {
    /// Only list what would be deleted.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub aws: AwsArgs,
    #[command(flatten)]
    pub out: OutputArgs,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
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
    /// The region the operator works in: decides the partition when --partition is not given.
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// The role a fleet run assumes in each account (scopes the `fleet` statement).
    #[arg(
        long,
        value_name = "NAME",
        default_value = "OrganizationAccountAccessRole"
    )]
    pub assume_role_name: String,
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub role: RoleArgs,
}

/// The values of `permissions --command`: the permission table's commands, and `all`.
fn permissions_command() -> clap::builder::PossibleValuesParser {
    use ecsrole_core::command::Command;
    clap::builder::PossibleValuesParser::new(Command::ALL.iter().map(|c| c.as_str()).chain(["all"]))
}

impl Command {
    /// The subcommand's name, as typed.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Check(_) => "check",
            Command::Plan(_) => "plan",
            Command::Apply(_) => "apply",
            Command::Destroy(_) => "destroy",
            Command::Verify(_) => "verify",
            Command::Cleanup(_) => "cleanup",
            Command::Completions(_) => "completions",
            Command::Permissions(_) => "permissions",
        }
    }

    pub fn config(&self) -> Option<&ConfigArgs> {
        match self {
            Command::Check(a) => Some(&a.config),
            Command::Plan(a) => Some(&a.config),
            Command::Apply(a) => Some(&a.config),
            Command::Destroy(a) => Some(&a.config),
            Command::Verify(a) => Some(&a.config),
            Command::Cleanup(a) => Some(&a.config),
            Command::Permissions(a) => Some(&a.config),
            Command::Completions(_) => None,
        }
    }

    pub fn role(&self) -> Option<&RoleArgs> {
        match self {
            Command::Check(a) => Some(&a.role),
            Command::Plan(a) => Some(&a.role),
            Command::Apply(a) => Some(&a.role),
            Command::Verify(a) => Some(&a.role),
            Command::Permissions(a) => Some(&a.role),
            Command::Destroy(_) | Command::Cleanup(_) | Command::Completions(_) => None,
        }
    }

    pub fn role_mut(&mut self) -> Option<&mut RoleArgs> {
        match self {
            Command::Check(a) => Some(&mut a.role),
            Command::Plan(a) => Some(&mut a.role),
            Command::Apply(a) => Some(&mut a.role),
            Command::Verify(a) => Some(&mut a.role),
            Command::Permissions(a) => Some(&mut a.role),
            Command::Destroy(_) | Command::Cleanup(_) | Command::Completions(_) => None,
        }
    }

    /// The role and profile names: of the role spec, or destroy's own.
    pub fn names_mut(&mut self) -> Option<&mut NameArgs> {
        match self {
            Command::Destroy(a) => Some(&mut a.names),
            other => other.role_mut().map(|r| &mut r.names),
        }
    }

    pub fn tags(&self) -> Option<&TagArgs> {
        match self {
            Command::Plan(a) => Some(&a.tags),
            Command::Apply(a) => Some(&a.tags),
            _ => None,
        }
    }

    pub fn tags_mut(&mut self) -> Option<&mut TagArgs> {
        match self {
            Command::Plan(a) => Some(&mut a.tags),
            Command::Apply(a) => Some(&mut a.tags),
            _ => None,
        }
    }

    pub fn aws(&self) -> Option<&AwsArgs> {
        match self {
            Command::Check(a) => Some(&a.aws),
            Command::Plan(a) => Some(&a.aws),
            Command::Apply(a) => Some(&a.aws),
            Command::Destroy(a) => Some(&a.aws),
            Command::Verify(a) => Some(&a.aws),
            Command::Cleanup(a) => Some(&a.aws),
            Command::Permissions(_) | Command::Completions(_) => None,
        }
    }

    pub fn aws_mut(&mut self) -> Option<&mut AwsArgs> {
        match self {
            Command::Check(a) => Some(&mut a.aws),
            Command::Plan(a) => Some(&mut a.aws),
            Command::Apply(a) => Some(&mut a.aws),
            Command::Destroy(a) => Some(&mut a.aws),
            Command::Verify(a) => Some(&mut a.aws),
            Command::Cleanup(a) => Some(&mut a.aws),
            Command::Permissions(_) | Command::Completions(_) => None,
        }
    }

    pub fn out(&self) -> Option<&OutputArgs> {
        match self {
            Command::Check(a) => Some(&a.out),
            Command::Plan(a) => Some(&a.out),
            Command::Apply(a) => Some(&a.out),
            Command::Destroy(a) => Some(&a.out),
            Command::Verify(a) => Some(&a.out),
            Command::Cleanup(a) => Some(&a.out),
            Command::Permissions(_) | Command::Completions(_) => None,
        }
    }

    pub fn out_mut(&mut self) -> Option<&mut OutputArgs> {
        match self {
            Command::Check(a) => Some(&mut a.out),
            Command::Plan(a) => Some(&mut a.out),
            Command::Apply(a) => Some(&mut a.out),
            Command::Destroy(a) => Some(&mut a.out),
            Command::Verify(a) => Some(&mut a.out),
            Command::Cleanup(a) => Some(&mut a.out),
            Command::Permissions(_) | Command::Completions(_) => None,
        }
    }

    /// `--report`, on the commands that offer it.
    pub fn report(&self) -> Option<&Path> {
        match self {
            Command::Check(a) => a.report.report.as_deref(),
            Command::Plan(a) => a.report.report.as_deref(),
            Command::Apply(a) => a.report.report.as_deref(),
            Command::Verify(a) => a.report.report.as_deref(),
            _ => None,
        }
    }

    pub fn fleet(&self) -> Option<&FleetArgs> {
        match self {
            Command::Check(a) => Some(&a.fleet),
            Command::Plan(a) => Some(&a.fleet),
            Command::Apply(a) => Some(&a.fleet),
            Command::Verify(a) => Some(&a.fleet),
            _ => None,
        }
    }

    pub fn fleet_mut(&mut self) -> Option<&mut FleetArgs> {
        match self {
            Command::Check(a) => Some(&mut a.fleet),
            Command::Plan(a) => Some(&mut a.fleet),
            Command::Apply(a) => Some(&mut a.fleet),
            Command::Verify(a) => Some(&mut a.fleet),
            _ => None,
        }
    }

    /// How verbose stderr is (0 without the output options).
    pub fn verbosity(&self) -> u8 {
        self.out().map_or(0, |o| o.verbose)
    }
}
