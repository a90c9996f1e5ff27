//! Fleet mode: the same command across many accounts (and regions), each through STS
//! AssumeRole with the standard SDK provider, with bounded concurrency. A failure in one
//! target never stops the others.

use aws_config::sts::AssumeRoleProvider;
use aws_credential_types::provider::SharedCredentialsProvider;
use std::future::Future;

use crate::aws::{Aws, validate_region};
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
pub async fn assume(base: &Aws, target: &Target, role_name: &str) -> Result<Aws, InputError> {
    validate_role_name(role_name)
        .map_err(|e| InputError::new("assume-role name", e.value, e.expected))?;
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
        calls: crate::aws::Calls::default(),
    })
}

/// Runs `work` for every target, at most `concurrency` at once; calls `done` as each
/// finishes (in completion order) and returns the results in target order.
///
/// A target's future is created only when a slot frees up: spawned futures occupy their
/// full size at once, so creating all of them up front would make memory grow with the
/// fleet instead of with the concurrency.
pub async fn run_all<T, F, Fut>(
    targets: &[Target],
    concurrency: usize,
    work: F,
    mut done: impl FnMut(&Target, &T, usize),
) -> Vec<T>
where
    F: Fn(Target) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let mut set = tokio::task::JoinSet::new();
    let mut next = targets.iter().enumerate();
    let mut results: Vec<Option<T>> = (0..targets.len()).map(|_| None).collect();
    let mut finished = 0;
    loop {
        while set.len() < concurrency.max(1) {
            let Some((i, target)) = next.next() else {
                break;
            };
            let fut = work(target.clone());
            set.spawn(async move { (i, fut.await) });
        }
        let Some(joined) = set.join_next().await else {
            break;
        };
        let (i, value) = joined.expect("fleet tasks do not panic");
        finished += 1;
        done(&targets[i], &value, finished);
        results[i] = Some(value);
    }
    results
        .into_iter()
        .map(|r| r.expect("every target ran"))
        .collect()
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

    #[tokio::test]
    async fn run_all_bounds_concurrency_and_keeps_order() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        let targets: Vec<Target> = (0..20)
            .map(|i| Target {
                account_id: format!("{i:012}"),
                region: "us-east-1".into(),
            })
            .collect();
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let mut seen = 0;
        let out = run_all(
            &targets,
            3,
            |t| {
                let (running, peak) = (running.clone(), peak.clone());
                async move {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                    running.fetch_sub(1, Ordering::SeqCst);
                    t.account_id
                }
            },
            |_, _, n| seen = n,
        )
        .await;
        assert_eq!(seen, 20);
        assert_eq!(
            out,
            targets
                .iter()
                .map(|t| t.account_id.clone())
                .collect::<Vec<_>>()
        );
        assert!(peak.load(Ordering::SeqCst) <= 3);
    }
}
