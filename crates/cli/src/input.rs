//! The input, validated before the first call: the desired state, what must be refused
//! early, and a fleet run's selection.

#[allow(unused_imports)]
use crate::*;

/// What the role options ask for (defaults where the command has none).
pub(crate) fn desired_input(command: &Command) -> DesiredInput {
    let mut input = DesiredInput::default();
    if let Some(r) = command.role() {
        input.instance_profile_name = r.names.instance_profile_name.clone();
        input.role_name = Some(r.names.role_name.clone());
        input.path = Some(r.path.clone());
        input.kind = ecsrole_core::RoleKind::parse(&r.kind).unwrap_or_default();
    }
    if let Some((extra, _)) = command.policies() {
        input.extra_policies = extra.to_vec();
    }
    if let Command::Destroy(a) = command {
        input.role_name = Some(a.names.role_name.clone());
        input.instance_profile_name = a.names.instance_profile_name.clone();
    }
    if let Some(t) = command.tags() {
        input.tags = t.tags.clone();
    }
    input
}

/// Validates the role options before any call. A policy ARN's partition can only be
/// checked once the partition is known: from --partition or the region, else (the
/// region comes from the AWS configuration) after it is loaded.
pub(crate) fn validate_early(
    input: &DesiredInput,
    partition: Option<Partition>,
    region: Option<&str>,
) -> anyhow::Result<Option<Partition>> {
    let known = partition.or(region.map(Partition::from_region));
    if let Err(e) = Desired::new(input.clone(), known.unwrap_or(Partition::Aws))
        && (known.is_some() || e.what != "policy ARN")
    {
        return Err(e.into());
    }
    Ok(known)
}

/// Fleet mode's selection, validated before any call: `None` when no fleet option was
/// given (a run in the caller's own account). A selection that was given always stays
/// fleet mode: one that can only end with no account (no organisation listing asked for,
/// every account given excluded, or none given at all: an empty `--accounts` file) is an
/// error here, before any call, never a run in the caller's own account.
pub(crate) fn fleet_selection(
    f: &args::FleetArgs,
) -> anyhow::Result<Option<(Vec<String>, ecsrole_core::org::OrgSelection)>> {
    let (accounts, sel) = (fleet::accounts(f)?, fleet::org_selection(f)?);
    if !f.asked() {
        return Ok(None);
    }
    let left = accounts.iter().filter(|a| !sel.exclude.contains(a)).count();
    if sel.is_empty() && left == 0 {
        let mut given = vec![];
        if !f.accounts.is_empty() {
            given.push(format!("--account {}", f.accounts.join(" --account ")));
        }
        if let Some(path) = &f.accounts_file {
            given.push(format!("--accounts {}", path.display()));
        }
        if !f.exclude_accounts.is_empty() {
            given.push(format!(
                "--exclude-account {}",
                f.exclude_accounts.join(" --exclude-account ")
            ));
        }
        let given = if given.is_empty() {
            "an empty selection in the config file".to_owned()
        } else {
            given.join(", ")
        };
        return Err(BadInput(format!(
            "no account to run in: the fleet selection ({given}) gives {} account id{} and excludes {}; \
             expected at least one account id that is not excluded (nothing was sent: an empty \
             selection never runs in the caller's own account)",
            accounts.len(),
            if accounts.len() == 1 { "" } else { "s" },
            accounts.len() - left,
        ))
        .into());
    }
    Ok(Some((accounts, sel)))
}
