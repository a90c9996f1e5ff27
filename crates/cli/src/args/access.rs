//! The option groups a subcommand has, for the code that treats every command alike
//! (config merging, AWS loading, output, reports, fleet mode).

use std::path::Path;
use std::time::Duration;

use super::groups::{
    AwsArgs, ConfigArgs, DEFAULT_TIMEOUT, FleetArgs, NameArgs, OutputArgs, RoleArgs, TagArgs,
};
use super::{Command, CommonArgs};

impl Command {
    /// The bound when `--timeout` is not given.
    pub fn default_timeout(&self) -> Duration {
        match self {
            Command::Verify(_) => ecsrole_batch::DEFAULT_TIMEOUT,
            _ => DEFAULT_TIMEOUT,
        }
    }

    /// Does it make a SARIF log (`--output sarif`, `--sarif`)?
    pub fn makes_sarif(&self) -> bool {
        matches!(
            self,
            Command::Check(_) | Command::Plan(_) | Command::Diagnose(_) | Command::Rescue(_)
        )
    }

    /// The command of the core's one list of AWS commands (`None`: no AWS call).
    pub fn aws_command(&self) -> Option<ecsrole_core::command::Command> {
        use ecsrole_core::command::Command as C;
        Some(match self {
            Command::Check(_) => C::Check,
            Command::Plan(_) => C::Plan,
            Command::Apply(_) => C::Apply,
            Command::Destroy(_) => C::Destroy,
            Command::Verify(_) => C::Verify,
            Command::Cleanup(_) => C::Cleanup,
            Command::Diagnose(_) => C::Diagnose,
            Command::Rescue(_) => C::Rescue,
            Command::Completions(_) | Command::Permissions(_) | Command::Export(_) => {
                return None;
            }
        })
    }

    /// The subcommand's name, as typed (and as reports and the permission table name it).
    pub fn name(&self) -> &'static str {
        match self {
            Command::Completions(_) => "completions",
            Command::Permissions(_) => "permissions",
            Command::Export(_) => "export",
            other => other.aws_command().map_or("", |c| c.as_str()),
        }
    }

    /// The options check, plan, apply and verify share.
    pub fn common(&self) -> Option<&CommonArgs> {
        match self {
            Command::Check(a) => Some(&a.common),
            Command::Plan(a) => Some(&a.common),
            Command::Apply(a) => Some(&a.common),
            Command::Verify(a) => Some(&a.common),
            _ => None,
        }
    }

    pub fn common_mut(&mut self) -> Option<&mut CommonArgs> {
        match self {
            Command::Check(a) => Some(&mut a.common),
            Command::Plan(a) => Some(&mut a.common),
            Command::Apply(a) => Some(&mut a.common),
            Command::Verify(a) => Some(&mut a.common),
            _ => None,
        }
    }

    pub fn config(&self) -> Option<&ConfigArgs> {
        match self {
            Command::Destroy(a) => Some(&a.config),
            Command::Cleanup(a) => Some(&a.config),
            Command::Rescue(a) => Some(&a.config),
            Command::Diagnose(a) => Some(&a.config),
            Command::Permissions(a) => Some(&a.config),
            Command::Export(a) => Some(&a.config),
            other => other.common().map(|c| &c.config),
        }
    }

    pub fn role(&self) -> Option<&RoleArgs> {
        match self {
            Command::Permissions(a) => Some(&a.role),
            Command::Export(a) => Some(&a.role),
            other => other.common().map(|c| &c.role),
        }
    }

    pub fn role_mut(&mut self) -> Option<&mut RoleArgs> {
        match self {
            Command::Permissions(a) => Some(&mut a.role),
            Command::Export(a) => Some(&mut a.role),
            other => other.common_mut().map(|c| &mut c.role),
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
            Command::Export(a) => Some(&a.tags),
            Command::Plan(a) => Some(&a.tags),
            Command::Apply(a) => Some(&a.tags),
            _ => None,
        }
    }

    pub fn tags_mut(&mut self) -> Option<&mut TagArgs> {
        match self {
            Command::Export(a) => Some(&mut a.tags),
            Command::Plan(a) => Some(&mut a.tags),
            Command::Apply(a) => Some(&mut a.tags),
            _ => None,
        }
    }

    pub fn aws(&self) -> Option<&AwsArgs> {
        match self {
            Command::Destroy(a) => Some(&a.aws),
            Command::Cleanup(a) => Some(&a.aws),
            Command::Rescue(a) => Some(&a.aws),
            Command::Diagnose(a) => Some(&a.aws),
            other => other.common().map(|c| &c.aws),
        }
    }

    pub fn aws_mut(&mut self) -> Option<&mut AwsArgs> {
        match self {
            Command::Destroy(a) => Some(&mut a.aws),
            Command::Cleanup(a) => Some(&mut a.aws),
            Command::Rescue(a) => Some(&mut a.aws),
            Command::Diagnose(a) => Some(&mut a.aws),
            other => other.common_mut().map(|c| &mut c.aws),
        }
    }

    pub fn out(&self) -> Option<&OutputArgs> {
        match self {
            Command::Destroy(a) => Some(&a.out),
            Command::Cleanup(a) => Some(&a.out),
            Command::Rescue(a) => Some(&a.out),
            Command::Diagnose(a) => Some(&a.out),
            other => other.common().map(|c| &c.out),
        }
    }

    pub fn out_mut(&mut self) -> Option<&mut OutputArgs> {
        match self {
            Command::Destroy(a) => Some(&mut a.out),
            Command::Cleanup(a) => Some(&mut a.out),
            Command::Rescue(a) => Some(&mut a.out),
            Command::Diagnose(a) => Some(&mut a.out),
            other => other.common_mut().map(|c| &mut c.out),
        }
    }

    /// `--report`, on the commands that offer it.
    pub fn report(&self) -> Option<&Path> {
        match self {
            Command::Diagnose(a) => a.report.report.as_deref(),
            Command::Rescue(a) => a.report.report.as_deref(),
            other => other.common().and_then(|c| c.report.report.as_deref()),
        }
    }

    pub fn fleet(&self) -> Option<&FleetArgs> {
        match self {
            Command::Diagnose(a) => Some(&a.fleet),
            Command::Rescue(a) => Some(&a.fleet),
            other => other.common().map(|c| &c.fleet),
        }
    }

    pub fn fleet_mut(&mut self) -> Option<&mut FleetArgs> {
        match self {
            Command::Diagnose(a) => Some(&mut a.fleet),
            Command::Rescue(a) => Some(&mut a.fleet),
            other => other.common_mut().map(|c| &mut c.fleet),
        }
    }

    /// `--extra-policy` and `--partition`: of the role options, or diagnose's own.
    pub fn policies(&self) -> Option<(&[String], Option<&str>)> {
        match self {
            Command::Diagnose(a) => {
                Some((&a.policies.extra_policies, a.policies.partition.as_deref()))
            }
            other => other
                .role()
                .map(|r| (&r.extra_policies[..], r.partition.as_deref())),
        }
    }

    /// How verbose stderr is (0 without the output options).
    pub fn verbosity(&self) -> u8 {
        self.out().map_or(0, |o| o.verbose)
    }
}
