//! Web-identity trusts (Cognito identity pools, OIDC issuers that serve everyone), where the
//! differential test's reference has no principal to ask: a small oracle written from
//! AWS's pages judges concrete requests instead, and ecsrole's verdicts are held to it.
//!
//! The oracle (`allows`) knows only what these policies use, from the pages:
//! - IAM's evaluation logic: an explicit Deny wins; else an Allow allows; else denied;
//! - a statement applies when its `Principal.Federated` lists the request's provider
//!   exactly and an `Action` matches `sts:AssumeRoleWithWebIdentity` (`*`, `?`, case
//!   ignored), and every condition holds;
//! - the condition operators page: `StringEquals`/`StringLike` hold when some value matches
//!   the request's (false when the key is absent), `StringNotEquals`/`StringNotLike` when
//!   none does (true when absent); `ForAnyValue:` holds when some request value matches
//!   (false when absent); `*`/`?` are wildcards under `...Like`;
//! - Cognito's role trust page: the request carries `cognito-identity.amazonaws.com:aud`
//!   (the identity pool), `:amr` (a set: `unauthenticated`, or `authenticated` and the
//!   provider) and `:sub`; GitHub's and GitLab's OIDC pages: `<issuer>:aud` and
//!   `<issuer>:sub` (`repo:OWNER/REPO:...`, `project_path:GROUP/PROJECT:...`).
//!
//! For each generated policy: a public verdict's witness must be allowed by the oracle and
//! be an outsider (an identity pool, or a repository owner, the policy does not name); for
//! a verdict that is not public, outsiders drawn without the evaluator (pools and owners
//! the policy does not name) must all be denied. No emulator: pure, on any backend.

use ecsrole_core::Partition;
use ecsrole_core::findings::trust::{Facts, judge};
use ecsrole_core::policy::{Decision, Policy, wildcard};
use serde_json::{Value, json};

use crate::harness::{Rng, seed};

const CASES: usize = 1500;
const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/ecsInstanceRole";
const COGNITO: &str = "cognito-identity.amazonaws.com";
const GITHUB: &str = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";
const GITLAB: &str = "arn:aws:iam::123456789012:oidc-provider/gitlab.com";
/// The account's own provider: only its own users sign in (never an outsider).
const OWN: &str = "arn:aws:iam::123456789012:oidc-provider/login.example.com";
/// The pools and owners the generated policies name.
const POOLS: [&str; 2] = [
    "us-east-1:11111111-1111-1111-1111-111111111111",
    "us-east-1:22222222-2222-2222-2222-222222222222",
];

/// The condition key of `provider`'s claim `claim` (`aud`, `sub`, `amr`).
fn key(provider: &str, claim: &str) -> String {
    let issuer = provider
        .rsplit_once(":oidc-provider/")
        .map_or(provider, |(_, h)| h);
    format!("{issuer}:{claim}")
}

/// The conditions a statement for `provider` may carry: (operator, claim, values).
fn conditions(provider: &str) -> Vec<(&'static str, &'static str, Vec<&'static str>)> {
    match provider {
        COGNITO => vec![
            ("StringEquals", "aud", POOLS.to_vec()),
            ("StringEquals", "aud", vec![POOLS[0]]),
            ("StringLike", "aud", vec!["us-east-1:*"]),
            ("StringNotEquals", "aud", vec![POOLS[1]]),
            ("ForAnyValue:StringLike", "amr", vec!["unauthenticated"]),
            ("ForAnyValue:StringLike", "amr", vec!["authenticated"]),
        ],
        GITHUB => vec![
            ("StringEquals", "aud", vec!["sts.amazonaws.com"]),
            ("StringLike", "sub", vec!["repo:my-org/*"]),
            ("StringLike", "sub", vec!["repo:my-org/my-repo:*"]),
            ("StringLike", "sub", vec!["repo:*"]),
            ("StringLike", "sub", vec!["repo:*/my-repo:*"]),
            (
                "StringEquals",
                "sub",
                vec!["repo:my-org/my-repo:ref:refs/heads/main"],
            ),
            ("StringNotLike", "sub", vec!["repo:my-org/*"]),
        ],
        GITLAB => vec![
            ("StringEquals", "aud", vec!["https://gitlab.com"]),
            ("StringLike", "sub", vec!["project_path:my-group/*"]),
            ("StringLike", "sub", vec!["project_path:*"]),
        ],
        _ => vec![("StringEquals", "aud", vec!["ecsrole"])],
    }
}

fn policy(rng: &mut Rng) -> Value {
    let providers = [COGNITO, GITHUB, GITLAB, OWN];
    let actions = [
        json!("sts:AssumeRoleWithWebIdentity"),
        json!("sts:*"),
        json!(["sts:TagSession", "STS:AssumeRoleWith*"]),
    ];
    let mut statements = vec![json!({
        "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole",
    })];
    for _ in 0..1 + rng.below(2) {
        let provider = rng.pick(&providers);
        let mut s = json!({
            "Effect": if rng.chance(15) { "Deny" } else { "Allow" },
            "Principal": {"Federated": provider},
            "Action": rng.pick(&actions),
        });
        let mut cond = serde_json::Map::new();
        let pool = conditions(provider);
        for _ in 0..rng.below(3) {
            let (op, claim, values) = rng.pick(&pool);
            let entry = cond
                .entry(op.to_owned())
                .or_insert_with(|| json!({}))
                .as_object_mut()
                .expect("an object");
            entry.insert(key(provider, claim), json!(values));
        }
        if !cond.is_empty() {
            s["Condition"] = Value::Object(cond);
        }
        statements.push(s);
    }
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// A web-identity request: the provider and its claims (each a list of values).
#[derive(Debug, Clone)]
struct Web {
    provider: String,
    claims: Vec<(String, Vec<String>)>,
}

fn as_list(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_owned))
            .collect(),
        _ => vec![],
    }
}

/// Does one condition hold for `request` (the operators page)?
fn holds(op: &str, key: &str, values: &[String], request: &Web) -> bool {
    let got = request
        .claims
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.clone());
    let like = op.contains("Like");
    let matches = |v: &str| {
        values
            .iter()
            .any(|p| if like { wildcard(p, v, false) } else { p == v })
    };
    match (op, got) {
        ("StringEquals" | "StringLike", Some(v)) => v.len() == 1 && matches(&v[0]),
        ("StringEquals" | "StringLike", None) => false,
        ("StringNotEquals" | "StringNotLike", Some(v)) => !(v.len() == 1 && matches(&v[0])),
        ("StringNotEquals" | "StringNotLike", None) => true,
        ("ForAnyValue:StringLike" | "ForAnyValue:StringEquals", Some(v)) => {
            v.iter().any(|x| matches(x))
        }
        ("ForAnyValue:StringLike" | "ForAnyValue:StringEquals", None) => false,
        (other, _) => panic!("the oracle does not know {other}"),
    }
}

/// IAM's answer for `request` under `policy`, by the rules in the header.
fn allows(policy: &Value, request: &Web) -> bool {
    let mut allowed = false;
    for s in policy["Statement"].as_array().expect("statements") {
        let names = as_list(&s["Principal"]["Federated"]).contains(&request.provider);
        let acts = as_list(&s["Action"])
            .iter()
            .any(|a| wildcard(a, "sts:AssumeRoleWithWebIdentity", true));
        let conditions = s["Condition"]
            .as_object()
            .into_iter()
            .flatten()
            .all(|(op, keys)| {
                keys.as_object()
                    .expect("keys")
                    .iter()
                    .all(|(k, v)| holds(op, k, &as_list(v), request))
            });
        if names && acts && conditions {
            if s["Effect"] == "Deny" {
                return false;
            }
            allowed = true;
        }
    }
    allowed
}

/// Is `request` an outsider's: a pool, or an owner, the policy does not name?
fn outsider(request: &Web) -> bool {
    let claim = |c: &str| {
        request
            .claims
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(&key(&request.provider, c)))
            .and_then(|(_, v)| v.first().cloned())
            .unwrap_or_default()
    };
    match request.provider.as_str() {
        COGNITO => !POOLS.contains(&claim("aud").as_str()),
        GITHUB => !claim("sub").starts_with("repo:my-org/"),
        GITLAB => !claim("sub").starts_with("project_path:my-group/"),
        _ => false,
    }
}

/// An outsider's request drawn without the evaluator.
fn sample(rng: &mut Rng) -> Web {
    let provider = rng.pick(&[COGNITO, GITHUB, GITLAB]);
    let word = |rng: &mut Rng| format!("{:x}", rng.next() % 0xffff_ffff);
    let claims = match provider {
        COGNITO => {
            let amr = if rng.chance(50) {
                vec!["unauthenticated".to_owned()]
            } else {
                vec!["authenticated".to_owned(), "accounts.google.com".to_owned()]
            };
            vec![
                (
                    key(COGNITO, "aud"),
                    vec![format!("us-east-1:{}", word(rng))],
                ),
                (key(COGNITO, "amr"), amr),
                (
                    key(COGNITO, "sub"),
                    vec![format!("us-east-1:{}", word(rng))],
                ),
            ]
        }
        GITHUB => {
            let repo = rng.pick(&["my-repo", "other", "x"]);
            vec![
                (
                    key(GITHUB, "aud"),
                    vec![
                        rng.pick(&["sts.amazonaws.com", "https://github.com/x"])
                            .into(),
                    ],
                ),
                (
                    key(GITHUB, "sub"),
                    vec![format!("repo:{}/{repo}:ref:refs/heads/main", word(rng))],
                ),
            ]
        }
        _ => vec![
            (key(GITLAB, "aud"), vec!["https://gitlab.com".into()]),
            (
                key(GITLAB, "sub"),
                vec![format!(
                    "project_path:{}/x:ref_type:branch:ref:main",
                    word(rng)
                )],
            ),
        ],
    };
    Web {
        provider: provider.to_owned(),
        claims,
    }
}

#[test]
fn web_identity_verdicts_agree_with_an_oracle_from_the_pages() {
    let seed = seed();
    let mut rng = Rng(seed ^ 0xfed);
    let (mut public, mut private, mut witnesses, mut samples) = (0, 0, 0, 0);
    let mut disagreements = vec![];
    for _ in 0..CASES {
        let doc = policy(&mut rng);
        let verdict = judge(
            &Policy::parse(&doc.to_string()).expect("generated policies parse"),
            Partition::Aws,
            ROLE_ARN,
            &Facts::default(),
        );
        assert_ne!(verdict.outsider.decision, Decision::Undecided, "{doc}");
        if verdict.public() {
            public += 1;
            let w = verdict.outsider.witness.as_ref().expect("a witness");
            let request = Web {
                provider: w.principal.clone(),
                claims: w
                    .context
                    .iter()
                    .filter_map(|(k, v)| v.clone().map(|v| (k.clone(), v)))
                    .collect(),
            };
            witnesses += 1;
            if !allows(&doc, &request) || !outsider(&request) {
                disagreements.push(format!("public, but the witness {request:?}: {doc}"));
            }
        } else {
            private += 1;
            for _ in 0..6 {
                let request = sample(&mut rng);
                samples += 1;
                if allows(&doc, &request) {
                    disagreements.push(format!("not public, but {request:?} gets in: {doc}"));
                }
            }
        }
    }
    eprintln!(
        "web identity, seed {seed}: {CASES} policies; public {public}, not public {private}; {witnesses} witnesses checked, {samples} counter-example searches, {} disagreement(s)",
        disagreements.len()
    );
    assert!(
        disagreements.is_empty(),
        "seed {seed} (ECSROLE_DIFF_SEED={seed} replays it): {} disagreement(s):\n{}",
        disagreements.len(),
        disagreements[..disagreements.len().min(10)].join("\n")
    );
    assert!(
        public > CASES / 20 && private > CASES / 20,
        "the generator must reach both verdicts: {public} public, {private} not"
    );
}
