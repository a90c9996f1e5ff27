//! The command-line contract. Other tools depend on these names: keep them.
//!
//! Each subcommand offers exactly the options that apply to it (an option that does not
//! apply is not offered, so clap refuses it with exit 1 before anything runs); the
//! options come in groups that several subcommands share. `Command`'s accessors give the
//! groups a subcommand has, for the code that handles every command alike.

use clap::{Args, Parser, Subcommand, ValueEnum};

mod access;
mod groups;

pub use groups::{
    AwsArgs, ConfigArgs, FailOn, FleetArgs, NameArgs, Output, OutputArgs, PolicyArgs, ReportArgs,
    RoleArgs, TagArgs,
};

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
    /// Explain why compute environments are INVALID, their instances never join ECS or
    /// their jobs sit in RUNNABLE (read-only). Exit 0 no error found, 2 errors found, 1
    /// could not decide.
    Diagnose(DiagnoseArgs),
    /// Bring back compute environments their IAM left stuck (INVALID, or DELETING for
    /// hours): recreate what they name, let Batch validate them again or finish deleting,
    /// and remove what was recreated once nothing uses it. Exit 0 nothing stuck any more,
    /// 2 still stuck (or, with --dry-run, stuck), 1 could not act.
    Rescue(RescueArgs),
    /// Delete what earlier verify runs left behind (tagged ecsrole:verify-run and named
    /// ecsrole-verify-*).
    Cleanup(CleanupArgs),
    /// Print what apply would create as a CloudFormation template (for StackSets), to
    /// stdout or --output-file. Makes no AWS call.
    Export(ExportArgs),
    /// Print a shell completion script to stdout (bash, zsh, fish, powershell, elvish).
    Completions(CompletionsArgs),
    /// Print the least-privilege IAM policy (JSON) the operator needs, scoped to the role,
    /// instance profile, path and partition given. Makes no AWS call.
    Permissions(PermissionsArgs),
}

/// The options of the commands that check (and change) the role: check, plan, apply and
/// verify.
#[derive(Debug, Args)]
pub struct CommonArgs {
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
pub struct CheckArgs {
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub change: ChangeArgs,
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub tags: TagArgs,
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
    /// The flags as given, for the apply command a plan's hint names.
    pub fn flags(&self) -> Vec<&'static str> {
        [
            (self.replace_profile_role, "--replace-profile-role"),
            (self.replace_trust_policy, "--replace-trust-policy"),
        ]
        .into_iter()
        .filter_map(|(on, flag)| on.then_some(flag))
        .collect()
    }

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
    pub common: CommonArgs,
    #[command(flatten)]
    pub tags: TagArgs,
}

#[derive(Debug, Args)]
pub struct DestroyArgs {
    /// Delete even what is not tagged managed-by=ecsrole, and take the role out of the
    /// other instance profiles that hold it. Never deletes a profile something uses: that
    /// is --delete-profile-in-use.
    #[arg(long)]
    pub force: bool,
    /// Delete the instance profile although a compute environment, an EC2 instance or a
    /// launch template uses it (or nothing can tell): the environment goes INVALID, the
    /// instances can no longer renew their credentials.
    #[arg(long)]
    pub delete_profile_in_use: bool,
    /// Print what would be deleted and what stops it; delete nothing. Exit 0 when nothing
    /// stops it, 1 when something does.
    #[arg(long)]
    pub dry_run: bool,
    /// The regions whose compute environments are read for ones using the instance
    /// profile, comma-separated [default: the region].
    #[arg(long, value_name = "R1,R2")]
    pub regions: Option<String>,
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
    #[arg(long, value_name = "URI", default_value = ecsrole_batch::DEFAULT_IMAGE)]
    pub image: String,
    /// Leave the resources in place (remove them later with `ecsrole cleanup --run ID`).
    #[arg(long)]
    pub keep: bool,
    /// How long a just-created instance profile may be invisible to Batch: an INVALID
    /// compute environment naming it is waited out while the profile is younger.
    #[arg(long, value_name = "SECONDS", default_value_t = 120,
          value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub propagation_allowance: u64,
    /// How long an instance may run before it must have registered with ECS (verify: one
    /// older that never registered is evidence against the role, exit 3).
    #[arg(long, value_name = "SECONDS", default_value_t = 300,
          value_parser = clap::value_parser!(u64).range(1..=7200))]
    pub registration_allowance: u64,
    #[command(flatten)]
    pub common: CommonArgs,
    /// Fleet mode: the regions to run in, comma-separated [default: the region].
    #[arg(long, value_name = "R1,R2")]
    pub regions: Option<String>,
}

#[derive(Debug, Args)]
pub struct DiagnoseArgs {
    /// A compute environment to diagnose, by name or ARN (repeatable) [default: every
    /// compute environment and job queue in the region].
    #[arg(long = "compute-environment", value_name = "NAME|ARN")]
    pub compute_environments: Vec<String>,
    /// A job queue to diagnose, with its compute environments (repeatable).
    #[arg(long = "job-queue", value_name = "NAME|ARN")]
    pub job_queues: Vec<String>,
    /// A job to explain, with its queue and compute environments (repeatable).
    #[arg(long = "job", value_name = "ID")]
    pub jobs: Vec<String>,
    /// How long an instance may run before it must have registered with ECS (verify: one
    /// older that never registered is evidence against the role, exit 3).
    #[arg(long, value_name = "SECONDS", default_value_t = 300,
          value_parser = clap::value_parser!(u64).range(0..=7200))]
    pub registration_allowance: u64,
    #[command(flatten)]
    pub policies: PolicyArgs,
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub aws: AwsArgs,
    #[command(flatten)]
    pub out: OutputArgs,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub fleet: FleetArgs,
    /// Fleet mode: the regions to run in, comma-separated [default: the region].
    #[arg(long, value_name = "R1,R2")]
    pub regions: Option<String>,
}

#[derive(Debug, Args)]
pub struct RescueArgs {
    /// A compute environment to rescue, by name or ARN (repeatable) [default: every stuck
    /// one in the region]. One that is not stuck is left alone, even with --delete.
    #[arg(long = "compute-environment", value_name = "NAME|ARN")]
    pub compute_environments: Vec<String>,
    /// After the repair, delete the stuck compute environments (their job queues first).
    #[arg(long)]
    pub delete: bool,
    /// Print what is stuck and the plan; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub aws: AwsArgs,
    #[command(flatten)]
    pub out: OutputArgs,
    #[command(flatten)]
    pub report: ReportArgs,
    #[command(flatten)]
    pub fleet: FleetArgs,
    /// Fleet mode: the regions to run in, comma-separated [default: the region].
    #[arg(long, value_name = "R1,R2")]
    pub regions: Option<String>,
}

#[derive(Debug, Args)]
pub struct CleanupArgs {
    /// Only list what would be deleted, and what is left because its lease still runs.
    #[arg(long)]
    pub dry_run: bool,
    /// Delete this run's resources, whatever their lease (the id `verify` prints).
    #[arg(long = "run", value_name = "ID", conflicts_with = "all")]
    pub run_id: Option<String>,
    /// Delete every ecsrole verify resource, whatever its lease (runs in progress too).
    #[arg(long)]
    pub all: bool,
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub aws: AwsArgs,
    #[command(flatten)]
    pub out: OutputArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// An AWS CloudFormation template: the role and its instance profile.
    Cloudformation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TemplateFormat {
    Yaml,
    Json,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// What to export.
    #[arg(long, value_enum)]
    pub format: ExportFormat,
    /// The template's syntax.
    #[arg(long, value_enum, default_value_t = TemplateFormat::Yaml)]
    pub template_format: TemplateFormat,
    /// Write the template to this file instead of stdout.
    #[arg(long, value_name = "PATH")]
    pub output_file: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub role: RoleArgs,
    #[command(flatten)]
    pub tags: TagArgs,
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

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    /// clap names the subcommands after the variants; the core's list must agree.
    #[test]
    fn subcommand_names_are_the_core_command_names() {
        let clap_names: Vec<String> = super::Cli::command()
            .get_subcommands()
            .map(|s| s.get_name().to_owned())
            .collect();
        for c in ecsrole_core::command::Command::ALL {
            if c != ecsrole_core::command::Command::Fleet {
                assert!(clap_names.iter().any(|n| n == c.as_str()), "{c:?}");
            }
        }
        for name in &clap_names {
            let cli = super::Cli::try_parse_from(match name.as_str() {
                "completions" => vec!["ecsrole", "completions", "bash"],
                "export" => vec!["ecsrole", "export", "--format", "cloudformation"],
                other => vec!["ecsrole", other],
            })
            .unwrap();
            assert_eq!(cli.command.name(), name);
        }
    }
}
