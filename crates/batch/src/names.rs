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

/// The IAM path of an ARN's resource (`/` for a bare name): `/team/` of
/// `arn:aws:iam::1:instance-profile/team/NAME`.
pub fn iam_path(value: &str) -> String {
    let Some(rest) = value.strip_prefix("arn:") else {
        return "/".into();
    };
    let resource = rest.splitn(5, ':').nth(4).unwrap_or_default();
    let inner: Vec<&str> = resource.split('/').collect();
    if inner.len() <= 2 {
        return "/".into();
    }
    format!("/{}/", inner[1..inner.len() - 1].join("/"))
}

/// A role ARN's name (the last segment of its path).
pub fn role_name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_arns_path_and_name() {
        let arn = "arn:aws:iam::1:instance-profile/team/x/ecsInstanceRole";
        assert_eq!(iam_path(arn), "/team/x/");
        assert_eq!(profile_name(arn), Some("ecsInstanceRole"));
        assert_eq!(iam_path("arn:aws:iam::1:role/r"), "/");
        assert_eq!(iam_path("ecsInstanceRole"), "/");
        assert_eq!(profile_name("arn:aws:iam::1:role/r"), None);
        assert_eq!(role_name("arn:aws:iam::1:role/service-role/b"), "b");
    }
}
