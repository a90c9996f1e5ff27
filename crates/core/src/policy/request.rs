//! What a question asks of the evaluator: who makes the request, for what action and
//! resource, and what is known of each key of its context, as a set of requests: a key is
//! known, absent, one of a few values, or free (any value its shapes allow, and absent
//! where it may be).

use std::collections::BTreeMap;

use super::pattern::Pat;

/// Who makes the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// A service principal such as `ec2.amazonaws.com`; where a partition's spelling is
    /// not settled, every spelling it may use (a statement naming any one applies).
    Service(Vec<String>),
    /// An IAM principal: a role session, role, user or account root, by ARN.
    Aws(String),
    /// An IAM principal whose ARN is the request's `aws:PrincipalArn`, whatever the search
    /// chooses for it (the outsider).
    AnyAws,
    /// A web identity or SAML provider (`cognito-identity.amazonaws.com`, a provider ARN).
    Federated(String),
}

impl Principal {
    pub fn service(name: &str) -> Principal {
        Principal::Service(vec![name.to_owned()])
    }
}

/// A shape a free key's value must (or must not) have.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Shape {
    pub pat: Pat,
    pub matches: bool,
    /// Not a constraint: among the members of a class, one with this shape is preferred
    /// (a witness reads better as `arn:aws:iam::...:role/x`).
    pub prefer: bool,
}

impl Shape {
    pub fn must(pat: Pat) -> Shape {
        Shape {
            pat,
            matches: true,
            prefer: false,
        }
    }

    pub fn must_not(pat: Pat) -> Shape {
        Shape {
            pat,
            matches: false,
            prefer: false,
        }
    }

    pub fn prefer(pat: Pat) -> Shape {
        Shape {
            pat,
            matches: true,
            prefer: true,
        }
    }
}

/// What is known of one key of the request context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Slot {
    /// The request carries these values (one for a single-valued key).
    Known(Vec<String>),
    /// The request does not carry the key.
    Absent,
    /// One of these (`None`: absent).
    OneOf(Vec<Option<Vec<String>>>),
    /// Any value (any set of values, for a multivalued key) whose every value has the
    /// shapes; absent too when `absent`.
    Free { absent: bool, shapes: Vec<Shape> },
    /// The account (fifth part) of the ARN that is this other key's value.
    AccountOf(String),
}

impl Slot {
    /// Anything, absent included.
    pub fn unknown() -> Slot {
        Slot::Free {
            absent: true,
            shapes: vec![],
        }
    }

    /// Any value, never absent.
    pub fn present() -> Slot {
        Slot::Free {
            absent: false,
            shapes: vec![],
        }
    }
}

/// The request context: keys without regard to case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    slots: BTreeMap<String, Slot>,
    /// Keys under a prefix (`aws:principaltag/`) not set one by one.
    prefixes: Vec<(String, Slot)>,
    /// What any other key is.
    rest: Slot,
}

impl Default for Context {
    fn default() -> Self {
        Context::new()
    }
}

impl Context {
    /// Keys not set are absent.
    pub fn new() -> Context {
        Context {
            slots: BTreeMap::new(),
            prefixes: vec![],
            rest: Slot::Absent,
        }
    }

    /// Keys not set are unknown: absent or any value.
    pub fn unknown_rest() -> Context {
        Context {
            rest: Slot::unknown(),
            ..Context::new()
        }
    }

    pub fn set(mut self, key: &str, slot: Slot) -> Context {
        self.slots.insert(key.to_ascii_lowercase(), slot);
        self
    }

    pub fn known(self, key: &str, value: &str) -> Context {
        self.set(key, Slot::Known(vec![value.to_owned()]))
    }

    /// Every key starting with `prefix` that is not set one by one.
    pub fn set_prefix(mut self, prefix: &str, slot: Slot) -> Context {
        self.prefixes.push((prefix.to_ascii_lowercase(), slot));
        self
    }

    /// What is known of `key` (lower case).
    pub fn slot(&self, key: &str) -> Slot {
        let key = key.to_ascii_lowercase();
        if let Some(s) = self.slots.get(&key) {
            return s.clone();
        }
        self.prefixes
            .iter()
            .find(|(p, _)| key.starts_with(p.as_str()))
            .map(|(_, s)| s.clone())
            .unwrap_or_else(|| self.rest.clone())
    }
}

/// The resource a request is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    /// One ARN (or `*` for actions without resource-level permissions).
    Arn(String),
    /// Some resource of this ARN shape (`arn:aws:ecs:*:123456789012:cluster/*`, each part
    /// matched on its own): which one is not known.
    Within(String),
}

/// One request, or a set of them: may `principal` do `action` on `resource`?
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub principal: Principal,
    pub action: String,
    pub resource: Resource,
    pub context: Context,
}

/// Keys whose request value is a set (AWS's global condition keys page, "Value type –
/// Multivalued"); every other `aws:` key carries one value, whatever operator a policy
/// uses on it. A service's own key is taken as a set where a policy uses a set operator
/// (`ForAnyValue:`/`ForAllValues:`) on it (`used_as_set`), else as one value.
pub fn multivalued(key: &str, used_as_set: bool) -> bool {
    let key = key.to_ascii_lowercase();
    [
        "aws:tagkeys",
        "aws:principalorgpaths",
        "aws:principalservicenameslist",
        "aws:resourceorgpaths",
        "aws:sourceorgpaths",
        "aws:calledvia",
        "aws:vpceorgpaths",
    ]
    .contains(&key.as_str())
        || (used_as_set && !key.starts_with("aws:"))
}
