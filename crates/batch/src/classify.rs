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
    /// Evidence about the role itself: an AWS API (ECR, ECS, CloudWatch Logs) refused the
    /// instance role's principal (`User: arn:aws:sts::…:assumed-role/… is not authorized to
    /// perform: ecr:GetAuthorizationToken`), or the message names the instance role.
    RoleDenied,
    /// The registry refused the pull or does not have the image: a repository that does not
    /// exist, an unknown manifest or tag, Docker Hub's "pull access denied", a private
    /// registry that wants credentials. Nothing here is about the role.
    ImageRefused,
    /// The image could not be pulled, for a reason that does not say (no route to the
    /// registry, say).
    ImagePull,
    /// Anything else: the image's command, its exit code.
    Other,
}

impl JobFailure {
    pub(crate) fn of(reason: &str) -> JobFailure {
        let words = Words::of(reason);
        let lower = reason.to_ascii_lowercase();
        // An AWS API's refusal names an action of its service (`ecr:...`) or the principal
        // (`assumed-role/...`); a registry's never does.
        let names_aws = ["ecr:", "ecs:", "logs:", "assumed-role/"]
            .iter()
            .any(|p| lower.contains(p));
        if about_instance_role(reason)
            || (names_aws
                && words.any(&[
                    "not authorized to perform",
                    "accessdeniedexception",
                    "accessdenied",
                    "access denied",
                ]))
        {
            JobFailure::RoleDenied
        } else if words.any(&[
            "pull access denied",
            "repository does not exist",
            "does not exist",
            "manifest unknown",
            "not found",
            "requested access to the resource is denied",
            "authentication required",
            "unauthorized",
            "no basic auth credentials",
            "docker login",
            "access denied",
            "accessdenied",
        ]) {
            JobFailure::ImageRefused
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
            "Essential container in task exited",
            "ResourceInitializationError: unable to pull secrets or registry auth",
            "failed to decrypt the secret",
        ] {
            assert_eq!(JobFailure::of(reason), JobFailure::Other, "{reason}");
        }
    }

    /// Exit 3 needs the role named or an AWS API refusing its principal; a registry's own
    /// refusal (a typo in the image, a private image) is the image's, however it words it.
    #[test]
    fn the_role_is_blamed_only_on_evidence_about_it() {
        for reason in [
            "CannotPullContainerError: AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/ecsInstanceRole/i-0abc is not authorized to perform: ecr:GetAuthorizationToken",
            "CannotPullContainerError: pull image manifest has been retried: AccessDenied: ecr:BatchGetImage",
            "ResourceInitializationError: failed to validate logger args: AccessDeniedException: not authorized to perform logs:CreateLogStream",
            "CLIENT_ERROR - Invalid IamInstanceProfile: ecsInstanceRole",
        ] {
            assert_eq!(JobFailure::of(reason), JobFailure::RoleDenied, "{reason}");
        }
        for reason in [
            "CannotPullContainerError: Error response from daemon: pull access denied for busyboxx, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
            "CannotPullContainerError: ref pull has been retried 1 time(s): failed to resolve reference \"public.ecr.aws/docker/library/busybox:nosuch\": public.ecr.aws/docker/library/busybox:nosuch: not found",
            "CannotPullContainerError: Error response from daemon: manifest unknown: manifest unknown",
            "CannotPullContainerError: Error response from daemon: Head \"https://registry.example.com/v2/app/manifests/1\": unauthorized: authentication required",
            "CannotPullContainerError: Error response from daemon: Get https://1.dkr.ecr.us-east-1.amazonaws.com/v2/: no basic auth credentials",
            "AccessDenied: access denied",
        ] {
            assert_eq!(JobFailure::of(reason), JobFailure::ImageRefused, "{reason}");
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
        assert!(!propagation_error(&service(
            "the instance type is not supported"
        )));
        assert!(!propagation_error(&ecsrole_core::Error::Other {
            action: "batch:CreateComputeEnvironment",
            detail: "Invalid IamInstanceProfile".into(),
        }));
        assert!(already_exists(&service("Object already exists")));
        assert!(!already_exists(&service("exists already? no")));
    }
}
