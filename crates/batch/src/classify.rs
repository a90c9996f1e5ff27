//! What Batch's messages say, read as words rather than substrings: a `statusReason`, an
//! error message, a job's reason. "ecr" is a word of `api.ecr.us-east-1.amazonaws.com` and
//! of `ecr:GetAuthorizationToken`, not of "secret" or "decrypt".

/// The lower-cased words of a message (split at anything but letters and digits).
struct Words(Vec<String>);

impl Words {
    fn of(message: &str) -> Words {
        Words(
            message
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(str::to_ascii_lowercase)
                .collect(),
        )
    }

    /// Does the message hold `phrase`'s words, one after another?
    fn has(&self, phrase: &str) -> bool {
        let want: Vec<&str> = phrase.split(' ').collect();
        self.0
            .windows(want.len())
            .any(|w| w.iter().zip(&want).all(|(a, b)| a == b))
    }

    fn any(&self, phrases: &[&str]) -> bool {
        phrases.iter().any(|p| self.has(p))
    }
}

/// Does this message blame the instance profile or instance role?
pub(crate) fn about_instance_role(message: &str) -> bool {
    Words::of(message).any(&[
        "iaminstanceprofile",
        "instance profile",
        "instanceprofile",
        "instancerole",
        "instance role",
    ])
}

/// The transient errors of IAM propagation (docs/aws-facts.md), as Batch reports them.
pub(crate) fn propagation_error(e: &ecsrole_core::Error) -> bool {
    let ecsrole_core::Error::Service { message, .. } = e else {
        return false;
    };
    about_instance_role(message)
        || Words::of(message).any(&[
            "unable to assume",
            "service linked role",
            "not authorized to perform sts assumerole",
            "invalid principal",
        ])
}

/// Batch's "already exists" (it has no error code for it): a create whose answer was lost
/// and that was sent again.
pub(crate) fn already_exists(e: &ecsrole_core::Error) -> bool {
    matches!(e, ecsrole_core::Error::Service { message, .. }
        if Words::of(message).any(&["already exists", "already exist"]))
}

/// Why a job FAILED, as far as it concerns the instance role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JobFailure {
    /// Access was denied (to ECR, say): the role's permissions.
    AccessDenied,
    /// The image could not be pulled, for a reason that does not say (no route to the
    /// registry, a wrong image name...).
    ImagePull,
    /// Anything else: the image, its command.
    Other,
}

impl JobFailure {
    pub(crate) fn of(reason: &str) -> JobFailure {
        let words = Words::of(reason);
        if words.any(&[
            "accessdenied",
            "accessdeniedexception",
            "access denied",
            "not authorized",
            "unauthorized",
        ]) {
            JobFailure::AccessDenied
        } else if words.any(&["cannotpullcontainererror", "cannotpullcontainer", "ecr"]) {
            JobFailure::ImagePull
        } else {
            JobFailure::Other
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_not_substrings() {
        for reason in [
            "CannotPullContainerError: pull image manifest has been retried 5 time(s)",
            "failed to fetch https://api.ecr.us-east-1.amazonaws.com/ token",
        ] {
            assert_eq!(JobFailure::of(reason), JobFailure::ImagePull, "{reason}");
        }
        for reason in [
            "CannotPullContainerError: AccessDeniedException: User is not authorized to perform: ecr:GetAuthorizationToken",
            "AccessDenied: access denied",
        ] {
            assert_eq!(JobFailure::of(reason), JobFailure::AccessDenied, "{reason}");
        }
        for reason in [
            "Essential container in task exited",
            "ResourceInitializationError: unable to pull secrets or registry auth",
            "failed to decrypt the secret",
        ] {
            assert_eq!(JobFailure::of(reason), JobFailure::Other, "{reason}");
        }
    }

    #[test]
    fn instance_role_and_propagation() {
        assert!(about_instance_role(
            "CLIENT_ERROR - Invalid IamInstanceProfile: ecsInstanceRole"
        ));
        assert!(about_instance_role(
            "could not find instanceRole arn:aws:iam::1:instance-profile/x"
        ));
        assert!(!about_instance_role("the instance type is not supported"));
        let service = |message: &str| ecsrole_core::Error::Service {
            action: "batch:CreateComputeEnvironment",
            code: "ClientException".into(),
            message: message.into(),
        };
        assert!(propagation_error(&service(
            "Unable to assume the service linked role"
        )));
        assert!(already_exists(&service("Object already exists")));
        assert!(!already_exists(&service("exists already? no")));
    }
}
