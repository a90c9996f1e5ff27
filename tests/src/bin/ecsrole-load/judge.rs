//! `ecsrole-load judge`: `check`'s judgement alone, no I/O, on the role in
//! `localstack/bench/evaluator/` (its README says what each of the ten policies is). The
//! role is built once; each run judges it from its documents (parsing included), as a
//! `check` does after its reads.

use std::path::Path;
use std::time::{Duration, Instant, UNIX_EPOCH};

use ecsrole_core::state::{
    PolicySource, PolicyText, ProfileState, RolePolicy, RoleState, Scp, ScpLevel,
};
use ecsrole_core::{Actual, Desired, DesiredInput, Partition, findings};

const ACCOUNT: &str = "111122223333";

fn read(dir: &Path, name: &str) -> Result<String, String> {
    let path = dir.join(name);
    std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))
}

fn managed(arn: &str, document: String) -> RolePolicy {
    RolePolicy {
        source: PolicySource::Managed {
            arn: arn.to_owned(),
            version: "v3".to_owned(),
        },
        text: PolicyText::Read(document),
    }
}

fn inline(name: &str, document: String) -> RolePolicy {
    RolePolicy {
        source: PolicySource::Inline {
            name: name.to_owned(),
        },
        text: PolicyText::Read(document),
    }
}

fn scp(id: &str, name: &str, document: String) -> Scp {
    Scp {
        id: id.to_owned(),
        name: name.to_owned(),
        document,
    }
}

/// The bench's role as `check`'s reads would find it.
pub fn role(dir: &Path) -> Result<Actual, String> {
    let p = Partition::Aws;
    let role_arn = format!("arn:aws:iam::{ACCOUNT}:role/ecsInstanceRole");
    let boundary = format!("arn:aws:iam::{ACCOUNT}:policy/workload-boundary");
    let tags = [("team", "batch"), ("env", "prod"), ("cost-center", "4711")];
    let ecr_logs = format!("arn:aws:iam::{ACCOUNT}:policy/batch-ecr-logs");
    let data = format!("arn:aws:iam::{ACCOUNT}:policy/batch-data");
    Ok(Actual {
        role: Some(RoleState {
            arn: role_arn,
            path: "/".into(),
            created: None,
            trust_policy: read(dir, "trust.json")?,
            tags: tags
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            permissions_boundary: Some(boundary.clone()),
        }),
        attached_policies: vec![p.ecs_instance_policy_arn(), ecr_logs.clone(), data.clone()],
        missing_policies: vec![],
        instance_profile: Some(ProfileState {
            arn: format!("arn:aws:iam::{ACCOUNT}:instance-profile/ecsInstanceRole"),
            path: "/".into(),
            created: None,
            roles: vec!["ecsInstanceRole".into()],
            tags: vec![],
        }),
        role_policies: vec![
            managed(&ecr_logs, read(dir, "managed-ecr-logs.json")?),
            managed(&data, read(dir, "managed-data.json")?),
            inline("network-guard", read(dir, "inline-network-guard.json")?),
            inline("tag-guard", read(dir, "inline-tag-guard.json")?),
            RolePolicy {
                source: PolicySource::Boundary {
                    arn: boundary,
                    version: "v7".into(),
                },
                text: PolicyText::Read(read(dir, "boundary.json")?),
            },
        ],
        scps: Some(vec![
            ScpLevel {
                target: "root r-ab12".into(),
                policies: vec![scp(
                    "p-FullAWSAccess",
                    "FullAWSAccess",
                    read(dir, "scp-root.json")?,
                )],
            },
            ScpLevel {
                target: "OU ou-ab12-workload (workloads)".into(),
                policies: vec![
                    scp(
                        "p-FullAWSAccess",
                        "FullAWSAccess",
                        read(dir, "scp-root.json")?,
                    ),
                    scp(
                        "p-regions1",
                        "approved-regions",
                        read(dir, "scp-regions.json")?,
                    ),
                    scp(
                        "p-guards01",
                        "guardrails",
                        read(dir, "scp-guardrails.json")?,
                    ),
                ],
            },
            ScpLevel {
                target: format!("account {ACCOUNT}"),
                policies: vec![
                    scp(
                        "p-FullAWSAccess",
                        "FullAWSAccess",
                        read(dir, "scp-root.json")?,
                    ),
                    scp(
                        "p-account1",
                        "account-baseline",
                        read(dir, "scp-account.json")?,
                    ),
                ],
            },
        ]),
        scps_failed: None,
        // 2026-12-06, as AWS's clock would say.
        now: Some(UNIX_EPOCH + Duration::from_secs(1_796_515_200)),
    })
}

/// Judges `actual` `runs` times after three warm-up runs. Each run is on a
/// thread of its own: what the evaluator remembers per thread (`policy::classes`) starts
/// empty, as in a `check` process.
pub fn judge(actual: &Actual, runs: usize) -> Result<Judged, String> {
    let desired =
        Desired::new(DesiredInput::default(), Partition::Aws).map_err(|e| e.to_string())?;
    let once = || {
        std::thread::scope(|s| {
            s.spawn(|| {
                let start = Instant::now();
                let report = findings::check(&desired, actual);
                (start.elapsed().as_secs_f64() * 1000.0, report)
            })
            .join()
        })
        .map_err(|_| "the judgement panicked".to_owned())
    };
    for _ in 0..3 {
        once()?;
    }
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let (ms, report) = once()?;
        times.push(ms);
        last = Some(report);
    }
    times.sort_by(f64::total_cmp);
    let report = last.ok_or("--runs must be at least 1")?;
    let said = report
        .findings
        .iter()
        .map(|f| format!("{}: {}", f.code.as_str(), f.message))
        .collect();
    Ok(Judged {
        times,
        said,
        undecided: report.undecided,
    })
}

/// What [`judge`] measured and what the last run said.
pub struct Judged {
    /// Each run's time in ms, sorted.
    pub times: Vec<f64>,
    /// The findings, each as `code: message`.
    pub said: Vec<String>,
    /// The questions left undecided.
    pub undecided: Vec<String>,
}
