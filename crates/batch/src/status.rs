//! Typed statuses and states of compute environments and job queues (the SDK has an enum
//! for each of the two, with the same values).

use aws_sdk_batch::types::{CeState, CeStatus, JqState, JqStatus};

/// The status of a compute environment or job queue: the SDK has one enum for each, with
/// the same values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Creating,
    Updating,
    Deleting,
    Deleted,
    Valid,
    Invalid,
    /// A value this version does not know, or none.
    Other(String),
}

impl Status {
    fn of(text: &str) -> Status {
        match text {
            "CREATING" => Status::Creating,
            "UPDATING" => Status::Updating,
            "DELETING" => Status::Deleting,
            "DELETED" => Status::Deleted,
            "VALID" => Status::Valid,
            "INVALID" => Status::Invalid,
            other => Status::Other(other.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Status::Creating => CeStatus::Creating.as_str(),
            Status::Updating => CeStatus::Updating.as_str(),
            Status::Deleting => CeStatus::Deleting.as_str(),
            Status::Deleted => CeStatus::Deleted.as_str(),
            Status::Valid => CeStatus::Valid.as_str(),
            Status::Invalid => CeStatus::Invalid.as_str(),
            Status::Other(s) if s.is_empty() => "status not given",
            Status::Other(s) => s,
        }
    }

    /// Batch's answer left the field out, so nothing can be said of it.
    pub fn absent(&self) -> bool {
        matches!(self, Status::Other(s) if s.is_empty())
    }

    /// Batch is still working on it (an update must wait).
    pub fn settling(&self) -> bool {
        matches!(self, Status::Creating | Status::Updating)
    }
}

impl From<&CeStatus> for Status {
    fn from(s: &CeStatus) -> Status {
        Status::of(s.as_str())
    }
}

impl From<&JqStatus> for Status {
    fn from(s: &JqStatus) -> Status {
        Status::of(s.as_str())
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a compute environment or job queue takes work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    Enabled,
    Disabled,
    Other(String),
}

impl State {
    fn of(text: &str) -> State {
        match text {
            "ENABLED" => State::Enabled,
            "DISABLED" => State::Disabled,
            other => State::Other(other.to_owned()),
        }
    }
}

impl From<&CeState> for State {
    fn from(s: &CeState) -> State {
        State::of(s.as_str())
    }
}

impl From<&JqState> for State {
    fn from(s: &JqState) -> State {
        State::of(s.as_str())
    }
}

impl std::fmt::Display for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            State::Enabled => CeState::Enabled.as_str(),
            State::Disabled => CeState::Disabled.as_str(),
            State::Other(s) if s.is_empty() => "state not given",
            State::Other(s) => s,
        })
    }
}

impl State {
    /// Batch's answer left the field out (it may: the SDK's `state` is optional), so
    /// nothing can be said of it.
    pub fn absent(&self) -> bool {
        matches!(self, State::Other(s) if s.is_empty())
    }
}
