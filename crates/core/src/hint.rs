//! The whole command a hint names. A hint that says "run `ecsrole plan`" must act on the
//! target the run acted on: the role and its instance profile, path, kind, extra policies
//! and tags (from the flags or the config file), and where the run went (region, AWS
//! profile, endpoint, config file) when the user chose it. [`Hint`] holds those flags and
//! writes the command, each value quoted for a POSIX shell where it needs it.

use crate::desired::{Desired, RoleKind};

/// The flags that chose a run's target, for the commands its hints name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hint {
    /// `--role-name ...` and the rest of the role's flags (empty: a hint that names no
    /// role, such as `cleanup`'s).
    role: Vec<(String, String)>,
    /// `--region`, `--profile`, `--endpoint-url`, `--config`: where the run went.
    place: Vec<(String, String)>,
}

/// `value` as one word of a POSIX shell: as it is when it holds only characters no shell
/// reads specially, else in single quotes.
fn quoted(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.,/:=@+%".contains(&b));
    if plain {
        value.to_owned()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

impl Hint {
    /// Where the run went, as the user chose it (`None`: not chosen, the hint leaves it
    /// to the same environment): `("--region", Some("eu-west-1"))`...
    pub fn at(place: &[(&str, Option<&str>)]) -> Hint {
        Hint {
            role: vec![],
            place: place
                .iter()
                .filter_map(|(flag, v)| v.map(|v| ((*flag).to_owned(), v.to_owned())))
                .collect(),
        }
    }

    /// The same place, acting on `desired`'s role: its name always; its instance profile,
    /// path and kind when not the defaults; each extra policy and tag.
    pub fn with_role(&self, desired: &Desired) -> Hint {
        let mut role = vec![("--role-name".to_owned(), desired.role_name.clone())];
        if desired.instance_profile_name != desired.role_name {
            role.push((
                "--instance-profile-name".into(),
                desired.instance_profile_name.clone(),
            ));
        }
        if desired.path != "/" {
            role.push(("--path".into(), desired.path.clone()));
        }
        if desired.kind != RoleKind::default() {
            role.push(("--kind".into(), desired.kind.as_str().to_owned()));
        }
        for p in desired.policies.iter().skip(1) {
            role.push(("--extra-policy".into(), p.clone()));
        }
        for (k, v) in &desired.tags {
            role.push(("--tag".into(), format!("{k}={v}")));
        }
        Hint {
            role,
            place: self.place.clone(),
        }
    }

    /// The same place, acting on the role named `name` (and its profile of that name).
    pub fn with_role_name(&self, name: &str) -> Hint {
        Hint {
            role: vec![("--role-name".into(), name.to_owned())],
            place: self.place.clone(),
        }
    }

    /// `ecsrole COMMAND [ARGS] TARGET-FLAGS`: `args` (flags of the command's own, such
    /// as `--run ID` or `--replace-profile-role`) come first, as given.
    pub fn command(&self, command: &str, args: &[&str]) -> String {
        let mut out = format!("ecsrole {command}");
        for a in args {
            out.push(' ');
            out.push_str(&quoted(a));
        }
        for (flag, value) in self.role.iter().chain(&self.place) {
            out.push_str(&format!(" {flag} {}", quoted(value)));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desired::DesiredInput;
    use crate::partition::Partition;

    #[test]
    fn a_hint_carries_every_flag_that_chose_the_target_and_nothing_else() {
        let desired = Desired::new(
            DesiredInput {
                role_name: Some("weakRole".into()),
                instance_profile_name: Some("lambdaRole".into()),
                path: Some("/team/".into()),
                extra_policies: vec!["arn:aws:iam::123456789012:policy/extra".into()],
                tags: vec!["team=a b".into()],
                ..DesiredInput::default()
            },
            Partition::Aws,
        )
        .unwrap();
        let at = Hint::at(&[
            ("--region", Some("eu-west-1")),
            ("--profile", None),
            ("--endpoint-url", Some("http://127.0.0.1:5000")),
            ("--config", Some("my dir/ecsrole.toml")),
        ]);
        assert_eq!(
            at.with_role(&desired)
                .command("apply", &["--replace-profile-role"]),
            "ecsrole apply --replace-profile-role --role-name weakRole \
             --instance-profile-name lambdaRole --path /team/ \
             --extra-policy arn:aws:iam::123456789012:policy/extra --tag 'team=a b' \
             --region eu-west-1 --endpoint-url http://127.0.0.1:5000 \
             --config 'my dir/ecsrole.toml'"
        );
        let default = Desired::new(DesiredInput::default(), Partition::Aws).unwrap();
        assert_eq!(
            Hint::default().with_role(&default).command("plan", &[]),
            "ecsrole plan --role-name ecsInstanceRole"
        );
        assert_eq!(
            at.command("cleanup", &["--run", "ab12"]),
            "ecsrole cleanup --run ab12 --region eu-west-1 --endpoint-url http://127.0.0.1:5000 --config 'my dir/ecsrole.toml'"
        );
        assert_eq!(quoted("it's"), r"'it'\''s'");
    }
}
