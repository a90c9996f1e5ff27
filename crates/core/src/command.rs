//! The one list of ecsrole's AWS commands and their names.

/// The commands that talk to AWS, by the names the command line, the reports and the
/// permission table use. `Fleet` is the operator's own side of a fleet run (assuming the
/// role in each target account); the other commands are what that role needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Command {
    Check,
    Plan,
    Apply,
    Destroy,
    Verify,
    Cleanup,
    Diagnose,
    Rescue,
    Fleet,
}

impl Command {
    pub const ALL: [Command; 9] = [
        Command::Check,
        Command::Plan,
        Command::Apply,
        Command::Destroy,
        Command::Verify,
        Command::Cleanup,
        Command::Diagnose,
        Command::Rescue,
        Command::Fleet,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Command::Check => "check",
            Command::Plan => "plan",
            Command::Apply => "apply",
            Command::Destroy => "destroy",
            Command::Verify => "verify",
            Command::Cleanup => "cleanup",
            Command::Diagnose => "diagnose",
            Command::Rescue => "rescue",
            Command::Fleet => "fleet",
        }
    }

    pub fn parse(s: &str) -> Option<Command> {
        Command::ALL.into_iter().find(|c| c.as_str() == s)
    }
}
