//! `ecsrole export --format cloudformation`: what `apply` would create, as a
//! CloudFormation template, for StackSets to roll out to an organisation. Partition-aware:
//! ARNs carry `${AWS::Partition}` and the EC2 principal is `ec2.amazonaws.com.cn` in China,
//! whatever partition the template was exported for. Pure: no AWS call.

use serde_json::{Value, json};

use crate::desired::Desired;
use crate::partition::Partition;

/// The template, with long-form intrinsic functions (`{"Ref": ...}`), valid as JSON and
/// as YAML alike.
pub fn cloudformation(desired: &Desired) -> Value {
    let policies: Vec<Value> = desired
        .policies
        .iter()
        .map(|arn| partition_free(arn, desired.partition))
        .collect();
    let own_policies = desired.policies.iter().any(|arn| {
        arn.split_once(":iam::")
            .is_some_and(|(_, r)| customer_managed(&format!("iam::{r}")).is_some())
    });
    let tags: Vec<Value> = desired
        .create_tags()
        .into_iter()
        .map(|(k, v)| json!({"Key": k, "Value": v}))
        .collect();
    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": format!(
            "The IAM role AWS Batch's EC2 instances need (trusted by EC2, with AmazonEC2ContainerServiceforEC2Role) and its instance profile: what `ecsrole apply` creates. Exported by ecsrole {}; check the result with `ecsrole check`.{}",
            env!("CARGO_PKG_VERSION"),
            if own_policies {
                " Customer managed policies are named in each account with its own id (AWS::AccountId): create them in every target account first, with the same path and name."
            } else {
                ""
            }
        ),
        "Parameters": {
            "RoleName": {
                "Type": "String",
                "Default": desired.role_name,
                "AllowedPattern": "[\\w+=,.@-]{1,64}",
                "Description": "The role's name (ecsrole --role-name)."
            },
            "InstanceProfileName": {
                "Type": "String",
                "Default": desired.instance_profile_name,
                "AllowedPattern": "[\\w+=,.@-]{1,128}",
                "Description": "The instance profile's name, what a compute environment's instanceRole names (ecsrole --instance-profile-name)."
            }
        },
        "Conditions": {
            "China": {"Fn::Equals": [{"Ref": "AWS::Partition"}, Partition::AwsCn.as_str()]}
        },
        "Resources": {
            "Role": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "RoleName": {"Ref": "RoleName"},
                    "Path": desired.path,
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [{
                            "Effect": "Allow",
                            "Principal": {"Service": {"Fn::If": [
                                "China",
                                Partition::AwsCn.ec2_principal(),
                                Partition::Aws.ec2_principal()
                            ]}},
                            "Action": "sts:AssumeRole"
                        }]
                    },
                    "ManagedPolicyArns": policies,
                    "Tags": tags
                }
            },
            "InstanceProfile": {
                "Type": "AWS::IAM::InstanceProfile",
                "Properties": {
                    "InstanceProfileName": {"Ref": "InstanceProfileName"},
                    "Path": desired.path,
                    "Roles": [{"Ref": "Role"}]
                }
            }
        },
        "Outputs": {
            "RoleArn": {"Value": {"Fn::GetAtt": ["Role", "Arn"]}},
            "InstanceProfileArn": {
                "Description": "What a compute environment's instanceRole takes.",
                "Value": {"Fn::GetAtt": ["InstanceProfile", "Arn"]}
            }
        }
    })
}

/// `arn:<partition>:...` as `{"Fn::Sub": "arn:${AWS::Partition}:..."}`; a customer managed
/// policy's account id as `${AWS::AccountId}`: IAM attaches only AWS managed policies and
/// the role's own account's, so in a StackSet each account must point at its own copy (an
/// account id written out would point every account at one account's policy, which IAM
/// refuses there).
fn partition_free(arn: &str, partition: Partition) -> Value {
    let prefix = format!("arn:{}:", partition.as_str());
    match arn.strip_prefix(&prefix) {
        Some(rest) => {
            let rest = match customer_managed(rest) {
                Some(policy) => format!("iam::${{AWS::AccountId}}:{policy}"),
                None => rest.to_owned(),
            };
            json!({"Fn::Sub": format!("arn:${{AWS::Partition}}:{rest}")})
        }
        None => json!(arn),
    }
}

/// `iam::<12 digits>:policy/...` (an ARN after its partition): `policy/...`. AWS managed
/// policies (`iam::aws:policy/...`) are not customer managed.
fn customer_managed(rest: &str) -> Option<&str> {
    let (account, policy) = rest.strip_prefix("iam::")?.split_once(':')?;
    (account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && policy.starts_with("policy/"))
    .then_some(policy)
}

/// A JSON value as YAML (block style; strings double-quoted as JSON, which YAML reads).
pub fn yaml(value: &Value) -> String {
    let mut out = String::new();
    block(value, 0, &mut out);
    out
}

fn key(k: &str) -> String {
    let plain = !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        k.to_owned()
    } else {
        json!(k).to_string()
    }
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::Object(m) if m.is_empty() => Some("{}".into()),
        Value::Array(a) if a.is_empty() => Some("[]".into()),
        Value::Object(_) | Value::Array(_) => None,
        other => Some(other.to_string()),
    }
}

/// Writes `value`'s entries at `indent` (the caller wrote what leads to it).
fn block(value: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(m) => {
            for (k, v) in m {
                match scalar(v) {
                    Some(s) => out.push_str(&format!("{pad}{}: {s}\n", key(k))),
                    None => {
                        out.push_str(&format!("{pad}{}:\n", key(k)));
                        block(v, indent + 2, out);
                    }
                }
            }
        }
        Value::Array(a) => {
            for v in a {
                match scalar(v) {
                    Some(s) => out.push_str(&format!("{pad}- {s}\n")),
                    None => {
                        // The item's first line after the dash, the rest aligned with it.
                        let mut inner = String::new();
                        block(v, indent + 2, &mut inner);
                        let inner = inner.trim_start_matches(' ');
                        out.push_str(&format!("{pad}- {inner}"));
                    }
                }
            }
        }
        other => out.push_str(&format!("{pad}{other}\n")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DesiredInput;

    fn desired() -> Desired {
        Desired::new(
            DesiredInput {
                role_name: Some("batchInstance".into()),
                path: Some("/batch/".into()),
                extra_policies: vec![
                    "arn:aws-cn:iam::aws:policy/AmazonSSMManagedInstanceCore".into(),
                ],
                tags: vec!["team=data".into()],
                ..Default::default()
            },
            Partition::AwsCn,
        )
        .unwrap()
    }

    #[test]
    fn what_apply_creates_without_a_partition_in_it() {
        let t = cloudformation(&desired());
        let role = &t["Resources"]["Role"]["Properties"];
        assert_eq!(role["Path"], "/batch/");
        assert_eq!(
            role["ManagedPolicyArns"],
            json!([
                {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"},
                {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"}
            ])
        );
        assert_eq!(
            role["Tags"],
            json!([{"Key": "team", "Value": "data"}, {"Key": "managed-by", "Value": "ecsrole"}])
        );
        assert_eq!(t["Parameters"]["RoleName"]["Default"], "batchInstance");
        assert!(!t.to_string().contains("aws-cn:"), "{t}");
    }

    /// A customer managed policy is each account's own: its account id becomes
    /// `${AWS::AccountId}`; an AWS managed one stays `iam::aws:`.
    #[test]
    fn a_customer_managed_policy_is_each_accounts_own() {
        let desired = Desired::new(
            DesiredInput {
                extra_policies: vec![
                    "arn:aws:iam::123456789012:policy/team/BatchExtra".into(),
                    "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore".into(),
                ],
                ..Default::default()
            },
            Partition::Aws,
        )
        .unwrap();
        let t = cloudformation(&desired);
        assert_eq!(
            t["Resources"]["Role"]["Properties"]["ManagedPolicyArns"],
            json!([
                {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"},
                {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/team/BatchExtra"},
                {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"}
            ])
        );
        assert!(!t.to_string().contains("123456789012"), "{t}");
        assert!(
            t["Description"]
                .as_str()
                .unwrap()
                .contains("in every target account"),
            "{t}"
        );
        assert!(
            !cloudformation(&super::tests::desired())["Description"]
                .as_str()
                .unwrap()
                .contains("target account")
        );
    }

    /// The YAML is also read back by PyYAML and linted by cfn-lint in tests/it/export.rs.
    #[test]
    fn yaml_is_block_style_with_json_strings() {
        let t = cloudformation(&desired());
        let text = yaml(&t);
        assert!(
            text.starts_with("AWSTemplateFormatVersion: \"2010-09-09\"\n"),
            "{text}"
        );
        assert!(
            text.contains("\n    - \"China\"\n") || text.contains("- \"China\""),
            "{text}"
        );
        assert!(text.contains("\"Fn::If\":"), "{text}");
        // Every line is indented by twos, and list items start with "- ".
        for line in text.lines() {
            let indent = line.len() - line.trim_start().len();
            assert_eq!(indent % 2, 0, "{line:?}");
        }
    }
}
