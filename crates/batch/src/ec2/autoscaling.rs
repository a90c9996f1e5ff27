//! Auto Scaling's groups and launch configurations, through the same query client as EC2
//! ([`Ec2::autoscaling`]): what launches instances with an instance profile when no
//! instance runs yet (destroy's in-use check).

use super::Ec2;
use super::tree::{Node, tree};
use crate::error::Error;

/// An Auto Scaling group and what it launches from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub name: String,
    pub launch_configuration: Option<String>,
    /// The launch templates it names (its own, or its mixed instances policy's and their
    /// overrides'), each by id or name.
    pub templates: Vec<String>,
}

/// The `member`s of the child list `set`.
fn members<'a>(node: &'a Node, set: &str) -> impl Iterator<Item = &'a Node> + 'a {
    node.child(set)
        .into_iter()
        .flat_map(|s| s.children.iter().filter(|c| c.name == "member"))
}

/// Every template a group's XML names, by id and by name, wherever it is nested.
fn templates_in(node: &Node, out: &mut Vec<String>) {
    for key in ["LaunchTemplateId", "LaunchTemplateName"] {
        if let Some(v) = node.text_of(key)
            && !out.iter().any(|o| o == v)
        {
            out.push(v.to_owned());
        }
    }
    for c in &node.children {
        templates_in(c, out);
    }
}

impl Ec2 {
    /// Every page of `action`'s answer: the `member`s of `set` in its result.
    async fn all_members(
        &self,
        action: &'static str,
        set: &'static str,
    ) -> Result<Vec<Node>, Error> {
        let name = action.split_once(':').map_or(action, |(_, n)| n);
        let root = format!("{name}Response");
        let result = format!("{name}Result");
        let mut out = vec![];
        let mut token: Option<String> = None;
        loop {
            let mut params = vec![];
            if let Some(t) = &token {
                params.push(("NextToken", t.as_str()));
            }
            let page = self.call(action, &params, |xml| tree(xml, &root)).await?;
            let Some(result) = page.child(&result) else {
                return Ok(out);
            };
            out.extend(members(result, set).cloned());
            match result.text_of("NextToken") {
                Some(t) => token = Some(t.to_owned()),
                None => return Ok(out),
            }
        }
    }

    /// Every launch configuration: its name and the instance profile it sets (name or
    /// ARN), if any.
    pub async fn launch_configurations(&self) -> Result<Vec<(String, Option<String>)>, Error> {
        let found = self
            .all_members(
                "autoscaling:DescribeLaunchConfigurations",
                "LaunchConfigurations",
            )
            .await?;
        Ok(found
            .iter()
            .map(|c| {
                (
                    c.text_of("LaunchConfigurationName")
                        .unwrap_or_default()
                        .to_owned(),
                    c.text_of("IamInstanceProfile").map(str::to_owned),
                )
            })
            .collect())
    }

    /// Every Auto Scaling group, with what it launches from.
    pub async fn auto_scaling_groups(&self) -> Result<Vec<Group>, Error> {
        let found = self
            .all_members("autoscaling:DescribeAutoScalingGroups", "AutoScalingGroups")
            .await?;
        Ok(found
            .iter()
            .map(|g| {
                let mut templates = vec![];
                templates_in(g, &mut templates);
                Group {
                    name: g
                        .text_of("AutoScalingGroupName")
                        .unwrap_or_default()
                        .to_owned(),
                    launch_configuration: g.text_of("LaunchConfigurationName").map(str::to_owned),
                    templates,
                }
            })
            .collect())
    }
}
