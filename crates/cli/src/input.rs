//! The input, validated before the first call: the desired state, what must be refused
//! early, and a fleet run's selection.

#[allow(unused_imports)]
use crate::*;

/// A command line's input once validated, before any AWS call: what every command
/// goes on with.
pub(crate) struct Validated {
    /// The role options (validated).
    pub(crate) input: DesiredInput,
    /// Fleet mode's accounts and the organisation's selection (`None`: the caller's own
    /// account).
    pub(crate) fleet_selection: Option<(Vec<String>, ecsrole_core::org::OrgSelection)>,
    /// The whole command's bound (`--timeout`, else the command's default).
    pub(crate) bound: Duration,
    /// How to load the AWS configuration.
    pub(crate) options: AwsOptions,
}

/// Validates everything a command line asks for before the first call: the role
/// options, the outputs the command makes, verify's kind, destroy's regions, the fleet
/// selection; bad input is an error naming the value and what is expected.
pub(crate) fn validate(cli: &Cli, aws_args: &args::AwsArgs) -> anyhow::Result<Validated> {
    let command = &cli.command;
    let input = desired_input(command);
    let partition = command
        .policies()
        .and_then(|(_, p)| p)
        .map(str::parse::<Partition>)
        .transpose()?;
    validate_early(&input, partition, aws_args.region.as_deref())?;
    if format(cli) == Output::Sarif && !command.makes_sarif() {
        return Err(BadInput(format!(
            "--output sarif is for check, plan, diagnose and rescue (and their fleet runs), not {}: expected human or json",
            command.name()
        ))
        .into());
    }
    if let Some(path) = command.out().and_then(|o| o.sarif.as_ref())
        && !command.makes_sarif()
    {
        return Err(BadInput(format!(
            "--sarif {} is for check, plan, diagnose and rescue (and their fleet runs), not {}",
            path.display(),
            command.name()
        ))
        .into());
    }
    if let Command::Verify(_) = command
        && input.kind != ecsrole_core::RoleKind::EcsEc2
    {
        return Err(ecsrole_core::InputError::new(
            "kind",
            input.kind.as_str(),
            "ecs-ec2: verify proves the role on an EC2 compute environment; an ECS_MANAGED_INSTANCES one also needs an infrastructure role and capacity ecsrole does not create (check it with check --kind ecs-managed-instances and diagnose)",
        )
        .into());
    }
    if let Command::Destroy(a) = command
        && let Some(r) = &a.regions
    {
        ecsrole_core::fleet::parse_regions(r)?;
    }
    // Fleet mode: the accounts and the organisation's selection.
    let fleet_selection = match command.fleet() {
        Some(f) => fleet_selection(f)?,
        None => None,
    };
    let bound = aws_args
        .timeout
        .map_or_else(|| command.default_timeout(), Duration::from_secs);
    Ok(Validated {
        input,
        fleet_selection,
        bound,
        options: AwsOptions {
            region: aws_args.region.clone(),
            profile: aws_args.profile.clone(),
            endpoint_url: aws_args.endpoint_url.clone(),
            partition,
            call_timeout: Some(bound),
        },
    })
}

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
