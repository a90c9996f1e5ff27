//! Fleet mode: the same command across many accounts (and regions), each through STS
//! AssumeRole with the standard SDK provider, with bounded concurrency. A failure in one
//! target never stops the others.

use aws_config::sts::AssumeRoleProvider;
use aws_credential_types::provider::SharedCredentialsProvider;

use crate::aws::{Aws, validate_region};
pub use crate::concurrent::run_adaptive;
use crate::error::InputError;
use crate::names::validate_role_name;

/// Where a fleet command runs: one account, one region.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    pub account_id: String,
    pub region: String,
}

/// An AWS account id: 12 digits.
pub fn validate_account_id(value: &str) -> Result<(), InputError> {
    if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(InputError::new("account id", value, "12 digits"))
    }
}

/// Account ids from `--account` flags and an accounts file (one id per line, `#`
/// comments, blank lines ignored), validated, duplicates dropped, order kept.
pub fn parse_accounts(
    flags: &[String],
    file: Option<(&str, &str)>,
) -> Result<Vec<String>, InputError> {
    let mut out: Vec<String> = vec![];
    let mut push = |id: &str| -> Result<(), InputError> {
        validate_account_id(id)?;
        if !out.iter().any(|a| a == id) {
            out.push(id.to_owned());
        }
        Ok(())
    };
    for id in flags {
        push(id.trim())?;
    }
    if let Some((path, text)) = file {
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            push(line).map_err(|e| {
                InputError::new(
                    "account id",
                    e.value,
                    format!("12 digits (line {} of {path})", n + 1),
                )
            })?;
        }
    }
    Ok(out)
}

/// `R1,R2` → validated regions.
pub fn parse_regions(value: &str) -> Result<Vec<String>, InputError> {
    let regions: Vec<String> = value
        .split(',')
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty())
        .collect();
    if regions.is_empty() {
        return Err(InputError::new(
            "regions",
            value,
            "a comma-separated list like us-east-1,eu-west-1",
        ));
    }
    for r in &regions {
        validate_region(r)?;
    }
    Ok(regions)
}

/// The configuration for one target: the base configuration (its credentials are the
/// source identity), in the target's region, with credentials from
/// `arn:<partition>:iam::<account>:role/<role_name>` through STS AssumeRole, cached
/// ([`crate::aws::CachedCredentials`]): one AssumeRole per target, not one per client.
/// `calls` is what the target's calls report to (fleet mode: the shared adaptive limit).
/// The caller's own account (`own`: the management account, when listing the
/// organisation) is reached with the caller's own credentials: a role cannot be assumed
/// there the way it is in member accounts.
pub async fn assume(
    base: &Aws,
    target: &Target,
    role_name: &str,
    calls: crate::aws::Calls,
    own: Option<&str>,
) -> Result<Aws, InputError> {
    validate_role_name(role_name)
        .map_err(|e| InputError::new("assume-role name", e.value, e.expected))?;
    if own == Some(target.account_id.as_str()) {
        let config = base
            .config
            .to_builder()
            .region(aws_config::Region::new(target.region.clone()))
            .build();
        return Ok(Aws {
            config,
            partition: base.partition,
            calls,
        });
    }
    let arn = format!(
        "arn:{}:iam::{}:role/{role_name}",
        base.partition, target.account_id
    );
    let regional = base
        .config
        .to_builder()
        .region(aws_config::Region::new(target.region.clone()))
        .build();
    let provider = AssumeRoleProvider::builder(arn)
        .session_name("ecsrole")
        .configure(&regional)
        .build()
        .await;
    let config = regional
        .into_builder()
        .credentials_provider(SharedCredentialsProvider::new(provider))
        .build();
    // One session per target, shared by the SDK clients and the EC2 client.
    let config = crate::aws::CachedCredentials::install(config);
    Ok(Aws {
        config,
        partition: base.partition,
        calls,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_from_flags_and_file() {
        let file = "# prod\n111111111111\n\n222222222222  # eu\n111111111111\n";
        let got = parse_accounts(&["333333333333".into()], Some(("accounts.txt", file))).unwrap();
        assert_eq!(got, ["333333333333", "111111111111", "222222222222"]);
        let err = parse_accounts(&[], Some(("accounts.txt", "12345\n")))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("\"12345\"") && err.contains("line 1 of accounts.txt"),
            "{err}"
        );
        assert!(parse_accounts(&["abc".into()], None).is_err());
    }

    #[test]
    fn regions() {
        assert_eq!(
            parse_regions("us-east-1, eu-west-1").unwrap(),
            ["us-east-1", "eu-west-1"]
        );
        assert!(parse_regions("").is_err());
        assert!(parse_regions("us-east-1,mars").is_err());
    }
}
