//! Validation of everything the user names, before any AWS call.

use crate::error::InputError;
use crate::partition::Partition;

/// The tag ecsrole puts on what it creates, and the only proof of ownership it accepts.
pub const OWNER_TAG_KEY: &str = "managed-by";
pub const OWNER_TAG_VALUE: &str = "ecsrole";

const NAME_CHARS: &str = "letters, digits and +=,.@_-";

fn check_name(what: &'static str, value: &str, max: usize) -> Result<(), InputError> {
    let ok = (1..=max).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(InputError::new(
            what,
            value,
            format!("1 to {max} characters of {NAME_CHARS}"),
        ))
    }
}

/// An IAM role name: 1 to 64 characters of `[A-Za-z0-9+=,.@_-]`.
pub fn validate_role_name(value: &str) -> Result<(), InputError> {
    check_name("role name", value, 64)
}

/// An instance profile name: IAM allows 1 to 128 characters of `[A-Za-z0-9+=,.@_-]`.
pub fn validate_instance_profile_name(value: &str) -> Result<(), InputError> {
    check_name("instance profile name", value, 128)
}

/// An IAM path: `/`, or `/` + printable ASCII + `/`, at most 512 characters.
pub fn validate_path(value: &str) -> Result<(), InputError> {
    let ok = value.len() <= 512
        && value.starts_with('/')
        && value.ends_with('/')
        && value.bytes().all(|b| (0x21..=0x7e).contains(&b));
    if ok {
        Ok(())
    } else {
        Err(InputError::new(
            "path",
            value,
            "\"/\" or a path that starts and ends with \"/\" (printable ASCII, no spaces, at most 512 characters)",
        ))
    }
}

/// A managed policy ARN in the given partition: `arn:<partition>:iam::<account|aws>:policy/<path><name>`.
pub fn validate_policy_arn(value: &str, partition: Partition) -> Result<(), InputError> {
    let expected = || {
        format!(
            "a managed policy ARN like arn:{partition}:iam::aws:policy/NAME or arn:{partition}:iam::123456789012:policy/NAME"
        )
    };
    let parts: Vec<&str> = value.splitn(6, ':').collect();
    let [arn, part, service, region, account, resource] = parts[..] else {
        return Err(InputError::new("policy ARN", value, expected()));
    };
    let account_ok =
        account == "aws" || (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()));
    let name = resource
        .strip_prefix("policy/")
        .and_then(|r| r.rsplit('/').next());
    let name_ok = name.is_some_and(|n| check_name("policy name", n, 128).is_ok());
    if arn != "arn" || service != "iam" || !region.is_empty() || !account_ok || !name_ok {
        return Err(InputError::new("policy ARN", value, expected()));
    }
    if part != partition.as_str() {
        return Err(InputError::new(
            "policy ARN",
            value,
            format!("an ARN in partition {partition} (the partition in use), not {part}"),
        ));
    }
    Ok(())
}

/// An IAM role ARN in the given partition: `arn:<partition>:iam::<account>:role/<path><name>`.
pub fn validate_role_arn(
    what: &'static str,
    value: &str,
    partition: Partition,
) -> Result<(), InputError> {
    let expected =
        || format!("a role ARN like arn:{partition}:iam::123456789012:role/service-role/NAME");
    let parts: Vec<&str> = value.splitn(6, ':').collect();
    let [arn, part, service, region, account, resource] = parts[..] else {
        return Err(InputError::new(what, value, expected()));
    };
    let account_ok = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    let name = resource
        .strip_prefix("role/")
        .and_then(|r| r.rsplit('/').next());
    let name_ok = name.is_some_and(|n| validate_role_name(n).is_ok());
    if arn != "arn"
        || part != partition.as_str()
        || service != "iam"
        || !region.is_empty()
        || !account_ok
        || !name_ok
    {
        return Err(InputError::new(what, value, expected()));
    }
    Ok(())
}

/// A `--tag KEY=VALUE`: key 1 to 128 characters, value at most 256, key not `aws:`-prefixed
/// and not ecsrole's own ownership tag.
pub fn parse_tag(value: &str) -> Result<(String, String), InputError> {
    let Some((key, val)) = value.split_once('=') else {
        return Err(InputError::new("tag", value, "KEY=VALUE"));
    };
    if key.is_empty() || key.chars().count() > 128 || val.chars().count() > 256 {
        return Err(InputError::new(
            "tag",
            value,
            "KEY=VALUE with a key of 1 to 128 and a value of at most 256 characters",
        ));
    }
    if key.to_ascii_lowercase().starts_with("aws:") {
        return Err(InputError::new(
            "tag",
            value,
            "a key that does not start with aws: (reserved by AWS)",
        ));
    }
    if key == OWNER_TAG_KEY {
        return Err(InputError::new(
            "tag",
            value,
            format!(
                "a key other than {OWNER_TAG_KEY}: ecsrole sets {OWNER_TAG_KEY}={OWNER_TAG_VALUE} itself"
            ),
        ));
    }
    Ok((key.to_owned(), val.to_owned()))
}

/// Does `names` (role or profile names read from IAM) hold `name`? IAM names are unique
/// without regard to case, so `ecsinstancerole` and `ecsInstanceRole` are one role.
pub fn holds(names: &[String], name: &str) -> bool {
    names.iter().any(|n| n.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names() {
        for ok in ["ecsInstanceRole", "a", "x+=,.@_-9", &"r".repeat(64)] {
            assert!(validate_role_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "has space", "slash/", "é", &"r".repeat(65)] {
            let err = validate_role_name(bad).unwrap_err().to_string();
            assert!(
                err.contains("role name") && err.contains("1 to 64"),
                "{err}"
            );
        }
        assert!(validate_instance_profile_name(&"p".repeat(128)).is_ok());
        assert!(validate_instance_profile_name(&"p".repeat(129)).is_err());
    }

    #[test]
    fn paths() {
        for ok in ["/", "/a/", "/service-role/", "/a/b/c/"] {
            assert!(validate_path(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "a",
            "/a",
            "a/",
            "/a b/",
            &format!("/{}/", "x".repeat(511)),
        ] {
            assert!(validate_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn policy_arns() {
        let p = Partition::Aws;
        for ok in [
            "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role",
            "arn:aws:iam::123456789012:policy/Mine",
            "arn:aws:iam::123456789012:policy/a/b/Mine",
        ] {
            assert!(validate_policy_arn(ok, p).is_ok(), "{ok}");
        }
        for bad in [
            "AmazonSSMManagedInstanceCore",
            "arn:aws:iam::aws:role/X",
            "arn:aws:s3:::bucket",
            "arn:aws:iam:us-east-1:aws:policy/X",
            "arn:aws:iam::12345:policy/X",
            "arn:aws:iam::aws:policy/",
        ] {
            assert!(validate_policy_arn(bad, p).is_err(), "{bad}");
        }
        let err = validate_policy_arn("arn:aws-cn:iam::aws:policy/X", p)
            .unwrap_err()
            .to_string();
        assert!(err.contains("partition aws"), "{err}");
    }

    #[test]
    fn role_arns() {
        let p = Partition::Aws;
        assert!(
            validate_role_arn(
                "service role",
                "arn:aws:iam::123456789012:role/service-role/AWSBatchServiceRole",
                p
            )
            .is_ok()
        );
        assert!(validate_role_arn("service role", "arn:aws:iam::123456789012:role/x", p).is_ok());
        for bad in [
            "AWSBatchServiceRole",
            "arn:aws:iam::123456789012:instance-profile/x",
            "arn:aws-cn:iam::123456789012:role/x",
            "arn:aws:iam::12:role/x",
        ] {
            assert!(validate_role_arn("service role", bad, p).is_err(), "{bad}");
        }
    }

    #[test]
    fn tags() {
        assert_eq!(
            parse_tag("team=batch").unwrap(),
            ("team".into(), "batch".into())
        );
        assert_eq!(
            parse_tag("empty=").unwrap(),
            ("empty".into(), String::new())
        );
        assert_eq!(parse_tag("k=a=b").unwrap(), ("k".into(), "a=b".into()));
        for bad in ["novalue", "=v", "aws:x=1", "managed-by=me"] {
            assert!(parse_tag(bad).is_err(), "{bad}");
        }
    }
}
