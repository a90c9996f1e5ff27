//! The policy `ecsrole permissions` prints, built from the table.

use super::*;
use crate::{DesiredInput, Partition};

fn desired(partition: Partition) -> Desired {
    Desired::new(
        DesiredInput {
            role_name: Some("ecsInstanceRole".into()),
            path: Some("/batch/".into()),
            ..Default::default()
        },
        partition,
    )
    .unwrap()
}

#[test]
fn actions_are_well_formed() {
    for row in super::rows() {
        let (service, name) = row.action.split_once(':').expect(row.action);
        assert!(
            [
                "iam",
                "sts",
                "ec2",
                "autoscaling",
                "ecs",
                "batch",
                "organizations"
            ]
            .contains(&service),
            "{}",
            row.action
        );
        assert!(name.chars().next().unwrap().is_ascii_uppercase());
        assert!(!row.commands.is_empty(), "{}", row.action);
    }
}

#[test]
fn check_is_read_only_and_scoped() {
    let p = policy(&[Command::Check], &desired(Partition::AwsCn), "x");
    let text = p.to_string();
    assert!(text.contains("arn:aws-cn:iam::*:role/batch/ecsInstanceRole"));
    assert!(text.contains("arn:aws-cn:iam::*:instance-profile/batch/ecsInstanceRole"));
    for s in p["Statement"].as_array().unwrap() {
        for a in s["Action"].as_array().unwrap() {
            let a = a.as_str().unwrap();
            let name = a.split(':').nth(1).unwrap();
            assert!(
                name.starts_with("Get") || name.starts_with("List"),
                "check must be read-only: {a}"
            );
        }
    }
}

#[test]
fn apply_attaches_only_the_required_policies() {
    let d = desired(Partition::Aws);
    let p = policy(&[Command::Apply], &d, "x");
    let attach = p["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Action"].to_string().contains("iam:AttachRolePolicy"))
        .unwrap();
    assert_eq!(
        attach["Condition"]["ArnEquals"]["iam:PolicyARN"],
        json!(d.policies)
    );
    assert!(!p.to_string().contains("Delete"), "apply never deletes");
}

#[test]
fn every_action_appears_in_the_all_policy_once_per_statement() {
    let p = policy(&Command::ALL, &desired(Partition::Aws), "OrgRole");
    let mut seen = std::collections::BTreeSet::new();
    for s in p["Statement"].as_array().unwrap() {
        let actions: Vec<&str> = s["Action"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        let mut dedup = actions.clone();
        dedup.dedup();
        assert_eq!(actions, dedup);
        seen.extend(actions);
    }
    for row in super::rows() {
        assert!(seen.contains(row.action), "{}", row.action);
    }
    assert!(p.to_string().contains("arn:aws:iam::*:role/OrgRole"));
}
