//! IAM names as Batch's answers carry them: a compute environment's `instanceRole` (a
//! profile name, a profile ARN, or by mistake a role ARN) and a role ARN. Used by diagnose
//! and by the in-use check alike, so it stands below both.

/// The profile name `instanceRole` gives (`None`: it is a role ARN).
pub fn profile_name(instance_role: &str) -> Option<&str> {
    match instance_role.strip_prefix("arn:") {
        None => Some(instance_role),
        Some(rest) => {
            let resource = rest.splitn(5, ':').nth(4).unwrap_or_default();
            if resource.starts_with("role/") {
                None
            } else {
                Some(resource.rsplit('/').next().unwrap_or(resource))
            }
        }
    }
}

/// A role ARN's name (the last segment of its path).
pub fn role_name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}
