//! What a finding is about, as a type: a role, an instance profile, a policy, a compute
//! environment, a subnet... It knows the short name every output shows (`role/NAME`,
//! `subnet/ID`, a policy's ARN) and the ARN code scanning and reports need, so no output
//! path takes a string apart to learn what a finding names.

use serde::{Serialize, Serializer};

/// The resource a finding names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Subject {
    /// An IAM role, by name.
    Role(String),
    /// An IAM instance profile, by name.
    InstanceProfile(String),
    /// A managed policy, by ARN.
    Policy(String),
    /// A Batch compute environment: its name, and its ARN when Batch gave it.
    ComputeEnvironment { name: String, arn: Option<String> },
    /// A Batch job queue, by name.
    JobQueue(String),
    /// A Batch job, by id.
    Job(String),
    /// An EC2 subnet, by id.
    Subnet(String),
    /// An EC2 security group, by id.
    SecurityGroup(String),
    /// An EC2 network ACL, by id.
    NetworkAcl(String),
    /// An EC2 instance, by id.
    Instance(String),
    /// An EC2 launch template, by the name or id the environment gives.
    LaunchTemplate(String),
}

impl Subject {
    /// A compute environment known by name only.
    pub fn compute_environment(name: impl Into<String>) -> Subject {
        Subject::ComputeEnvironment {
            name: name.into(),
            arn: None,
        }
    }

    /// Its ARN in `account` and `region` of `partition`; with no account known, the
    /// short name every output shows.
    pub fn arn(&self, partition: &str, account: &str, region: &str) -> String {
        let short = self.to_string();
        let (service, regional) = match self {
            Subject::Policy(arn) => return arn.clone(),
            Subject::ComputeEnvironment { arn: Some(arn), .. } => return arn.clone(),
            _ if account.is_empty() => return short,
            Subject::Role(_) | Subject::InstanceProfile(_) => ("iam", ""),
            Subject::ComputeEnvironment { .. } | Subject::JobQueue(_) | Subject::Job(_) => {
                ("batch", region)
            }
            Subject::Subnet(_)
            | Subject::SecurityGroup(_)
            | Subject::NetworkAcl(_)
            | Subject::Instance(_)
            | Subject::LaunchTemplate(_) => ("ec2", region),
        };
        format!("arn:{partition}:{service}:{regional}:{account}:{short}")
    }

    fn parts(&self) -> (&'static str, &str) {
        match self {
            Subject::Role(n) => ("role/", n),
            Subject::InstanceProfile(n) => ("instance-profile/", n),
            Subject::Policy(arn) => ("", arn),
            Subject::ComputeEnvironment { name, .. } => ("compute-environment/", name),
            Subject::JobQueue(n) => ("job-queue/", n),
            Subject::Job(id) => ("job/", id),
            Subject::Subnet(id) => ("subnet/", id),
            Subject::SecurityGroup(id) => ("security-group/", id),
            Subject::NetworkAcl(id) => ("network-acl/", id),
            Subject::Instance(id) => ("instance/", id),
            Subject::LaunchTemplate(id) => ("launch-template/", id),
        }
    }
}

impl std::fmt::Display for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (kind, name) = self.parts();
        // Through `pad`, so tables can align it (`{:<31}`).
        f.pad(&format!("{kind}{name}"))
    }
}

/// JSON shows the short name, as it always has.
impl Serialize for Subject {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl PartialEq<&str> for Subject {
    fn eq(&self, other: &&str) -> bool {
        let (kind, name) = self.parts();
        other.strip_prefix(kind) == Some(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_subject_has_its_short_name_and_its_services_arn() {
        let cases = [
            (Subject::Role("r".into()), "role/r", "arn:aws:iam::1:role/r"),
            (
                Subject::InstanceProfile("p".into()),
                "instance-profile/p",
                "arn:aws:iam::1:instance-profile/p",
            ),
            (
                Subject::Policy("arn:aws:iam::aws:policy/P".into()),
                "arn:aws:iam::aws:policy/P",
                "arn:aws:iam::aws:policy/P",
            ),
            (
                Subject::compute_environment("ce"),
                "compute-environment/ce",
                "arn:aws:batch:eu-west-1:1:compute-environment/ce",
            ),
            (
                Subject::ComputeEnvironment {
                    name: "ce".into(),
                    arn: Some("arn:aws:batch:us-east-1:2:compute-environment/ce".into()),
                },
                "compute-environment/ce",
                "arn:aws:batch:us-east-1:2:compute-environment/ce",
            ),
            (
                Subject::JobQueue("q".into()),
                "job-queue/q",
                "arn:aws:batch:eu-west-1:1:job-queue/q",
            ),
            (
                Subject::Job("j".into()),
                "job/j",
                "arn:aws:batch:eu-west-1:1:job/j",
            ),
            (
                Subject::Subnet("subnet-1".into()),
                "subnet/subnet-1",
                "arn:aws:ec2:eu-west-1:1:subnet/subnet-1",
            ),
            (
                Subject::SecurityGroup("sg-1".into()),
                "security-group/sg-1",
                "arn:aws:ec2:eu-west-1:1:security-group/sg-1",
            ),
            (
                Subject::NetworkAcl("acl-1".into()),
                "network-acl/acl-1",
                "arn:aws:ec2:eu-west-1:1:network-acl/acl-1",
            ),
            (
                Subject::Instance("i-1".into()),
                "instance/i-1",
                "arn:aws:ec2:eu-west-1:1:instance/i-1",
            ),
            (
                Subject::LaunchTemplate("lt-1".into()),
                "launch-template/lt-1",
                "arn:aws:ec2:eu-west-1:1:launch-template/lt-1",
            ),
        ];
        for (subject, short, arn) in cases {
            assert_eq!(subject.to_string(), short);
            assert_eq!(subject, short);
            assert_eq!(serde_json::to_value(&subject).unwrap(), short);
            assert_eq!(subject.arn("aws", "1", "eu-west-1"), arn);
            // No account: the short name (a policy's or a known environment's ARN stays).
            let unknown = subject.arn("aws", "", "eu-west-1");
            assert!(unknown == short || unknown == arn, "{unknown}");
        }
        assert_eq!(format!("{:<8}|", Subject::Role("r".into())), "role/r  |");
    }
}
