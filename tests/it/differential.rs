//! The differential test: generated trust policies, identity policies, boundaries and SCPs,
//! each judged by ecsrole's evaluator (`ecsrole_core::policy`, through the same
//! `findings::trust::judge` that `check` uses) and by an independent one someone else
//! maintains (@cloud-copilot/iam-simulate, `reference.rs`). No emulator: it runs on any
//! backend, and only where `cargo xtask test` installed the reference.
//!
//! - (a) may EC2 assume the role, and (b) may an outsider: ecsrole decides each question
//!   over every request of its model and answers with witnesses. Every witness is replayed
//!   through the reference and must get the same answer (allowed for Allowed and public,
//!   denied for Denied, both for Depends); for every Allowed, Denied or not-public verdict,
//!   requests drawn at random without the evaluator (accounts and organisations the policy
//!   does not name, role names, tags, addresses, fractional numbers, the time) are asked of
//!   the reference, which must never allow what ecsrole says is denied or deny what it says
//!   is allowed.
//! - (c) may the role's session call an agent action: concrete requests (every key known
//!   or absent), under identity policies, a boundary and SCP levels; the decisions must
//!   be equal.
//!
//! The generator writes the shapes of the roles `check` once misjudged: the role's tags compared with each
//! other (`${aws:PrincipalTag/owner}`), an external id equal to the caller's own account
//! (`${aws:PrincipalAccount}`, with and without a default), keys compared with another's
//! value, and documents under `Version: 2008-10-17`. Cognito and OIDC trusts are judged by
//! `federated.rs` (the reference has no web-identity principal).
//!
//! `ECSROLE_DIFF_SEED` replays a run; a failure prints the seed and the case.
//!
//! Where the reference departs from AWS's documentation (tests/reference/iam-simulate.mjs
//! lists them), the generator avoids the shape, or asks it in a form the reference reads as
//! AWS does:
//! - `Version: 2008-10-17`: the reference ignores it; the case is asked with every `$` (in
//!   the document and the request) renamed `§`, so `${...}` is text, as AWS's variables
//!   page says it is under 2008-10-17 (`for_reference`);
//! - `ec2.amazonaws.com.cn`: iam-simulate reads it as no service principal;
//! - a `NotPrincipal` that lists the role or an account of the request (AWS's NotPrincipal
//!   page: a Deny "might deny" unless session, role and account ARNs are all listed;
//!   iam-simulate exempts on any one): only `111111111111`, which no request is in;
//! - unresolved policy variables under negated operators (AWS documents nothing): none;
//! - several values for a single-valued key (no AWS request carries them): none;
//! - an Arn operator with a pattern of fewer than six parts (`"*"`, `"arn:*"`): AWS's
//!   operators page says each of the six parts is compared, and says nothing of such a
//!   pattern; iam-simulate makes the condition false even when negated (ecsrole: no match,
//!   so a negated operator holds): none.

use ecsrole_core::Partition;
use ecsrole_core::findings::trust::{Facts, judge};
use ecsrole_core::policy::{
    self, Context, Decision, Level, Named, Policy, PolicySet, Principal, Request, Resource, Witness,
};
use serde_json::{Value, json};

use crate::harness::{Rng, seed};
use crate::reference::{self, Decision as Ref, ROLE_ARN, SESSION_ARN};

const TRUST_CASES: usize = 1500;
const AGENT_CASES: usize = 2500;

/// A condition key, the operators that fit it, and the values the generator uses.
struct Key {
    name: &'static str,
    operators: &'static [&'static str],
    values: &'static [&'static str],
}

const STRING_OPS: &[&str] = &[
    "StringEquals",
    "StringNotEquals",
    "StringLike",
    "StringNotLike",
    "StringEqualsIgnoreCase",
    "StringEqualsIfExists",
    "StringNotEqualsIfExists",
    "StringLikeIfExists",
    "ForAllValues:StringEquals",
    "ForAnyValue:StringEquals",
    "ForAllValues:StringNotLike",
    "ForAnyValue:StringLike",
];

/// Keys of the trust questions: what EC2 or an outsider may send.
const TRUST_KEYS: &[Key] = &[
    Key {
        name: "aws:SourceAccount",
        operators: STRING_OPS,
        values: &[
            "111111111111",
            "123456789012",
            "4444*",
            "${aws:PrincipalAccount}",
        ],
    },
    Key {
        name: "aws:PrincipalAccount",
        operators: STRING_OPS,
        values: &["111111111111", "123456789012"],
    },
    Key {
        name: "aws:PrincipalOrgID",
        operators: STRING_OPS,
        values: &["o-abc123", "o-abc*"],
    },
    Key {
        name: "aws:PrincipalArn",
        operators: &[
            "ArnLike",
            "ArnNotLike",
            "ArnEquals",
            "StringLike",
            "ArnLikeIfExists",
            "ForAnyValue:ArnLike",
        ],
        // No pattern of fewer than six parts ("*", "arn:*"): under a negated Arn operator
        // iam-simulate makes such a condition false, where AWS documents nothing.
        values: &[
            "arn:aws:iam::111111111111:role/deploy",
            "arn:aws:iam::*:role/deploy",
            "arn:aws:iam::111111111111:*",
            "arn:aws:iam::*:*",
        ],
    },
    Key {
        name: "aws:SecureTransport",
        operators: &["Bool", "BoolIfExists"],
        values: &["true", "false"],
    },
    Key {
        name: "aws:SourceIp",
        operators: &["IpAddress", "NotIpAddress", "IpAddressIfExists"],
        values: &["203.0.113.0/24", "198.51.100.7/32"],
    },
    Key {
        name: "aws:MultiFactorAuthAge",
        operators: &[
            "NumericLessThan",
            "NumericGreaterThanEquals",
            "NumericNotEquals",
            "NumericLessThanIfExists",
        ],
        values: &["3600", "60"],
    },
    Key {
        name: "aws:CurrentTime",
        operators: &["DateLessThan", "DateGreaterThan", "DateNotEquals"],
        values: &["2026-01-01T00:00:00Z", "2030-06-01T00:00:00Z"],
    },
    Key {
        name: "aws:PrincipalTag/team",
        operators: STRING_OPS,
        values: &["batch", "b*", "${aws:PrincipalTag/owner}"],
    },
    Key {
        name: "sts:ExternalId",
        operators: &["StringEquals", "StringNotEquals"],
        values: &[
            "secret-1",
            "${aws:PrincipalAccount}",
            "${aws:PrincipalAccount, 'none'}",
        ],
    },
];

/// Whether `op` is a negated operator (`...Not...`, `ForAllValues:StringNotLike`).
fn negated(op: &str) -> bool {
    op.contains("Not")
}

fn one_or_many(rng: &mut Rng, values: &[&str]) -> Value {
    let n = 1 + rng.below(values.len().min(2));
    let mut chosen: Vec<&str> = vec![];
    while chosen.len() < n {
        let v = rng.pick(values);
        if !chosen.contains(&v) {
            chosen.push(v);
        }
    }
    if chosen.len() == 1 && rng.chance(50) {
        json!(chosen[0])
    } else {
        json!(chosen)
    }
}

/// 0 to 2 conditions over keys of `keys`, as a Condition object (or null). A value with a
/// policy variable goes under a negated operator only when `literal` (Version 2008-10-17,
/// where `${...}` is text): an unresolved variable under a negated operator is a shape AWS
/// documents nothing of (see the header).
fn condition(rng: &mut Rng, keys: &[Key], percent: usize, literal: bool) -> Value {
    if !rng.chance(percent) {
        return Value::Null;
    }
    let mut cond = serde_json::Map::new();
    for _ in 0..1 + rng.below(2) {
        let key = &keys[rng.below(keys.len())];
        let op = rng.pick(key.operators);
        let entry = cond
            .entry(op.to_owned())
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .expect("an object");
        if entry.contains_key(key.name) {
            continue;
        }
        let plain: Vec<&str> = key
            .values
            .iter()
            .copied()
            .filter(|v| literal || !negated(op) || !v.contains("${"))
            .collect();
        entry.insert(key.name.to_owned(), one_or_many(rng, &plain));
    }
    Value::Object(cond)
}

fn trust_policy(rng: &mut Rng) -> Value {
    let version_2008 = rng.chance(15);
    let principals = [
        json!({"Principal": "*"}),
        json!({"Principal": {"AWS": "*"}}),
        json!({"Principal": {"Service": "ec2.amazonaws.com"}}),
        json!({"Principal": {"Service": ["ecs-tasks.amazonaws.com", "ec2.amazonaws.com"]}}),
        json!({"Principal": {"Service": "ecs-tasks.amazonaws.com"}}),
        json!({"Principal": {"AWS": "arn:aws:iam::111111111111:root"}}),
        json!({"NotPrincipal": {"AWS": "arn:aws:iam::111111111111:root"}}),
    ];
    let actions = [
        json!({"Action": "sts:AssumeRole"}),
        json!({"Action": ["sts:TagSession", "sts:AssumeRole"]}),
        json!({"Action": "sts:*"}),
        json!({"Action": "STS:Assume*"}),
        json!({"Action": "sts:TagSession"}),
        json!({"NotAction": "sts:TagSession"}),
        json!({"NotAction": "sts:*"}),
    ];
    let mut statements = vec![];
    for i in 0..1 + rng.below(3) {
        let mut s = json!({"Effect": if rng.chance(30) { "Deny" } else { "Allow" }});
        if i == 0 || rng.chance(30) {
            s["Sid"] = json!(format!("S{i}"));
        }
        for part in [rng.pick(&principals), rng.pick(&actions)] {
            for (k, v) in part.as_object().expect("an object") {
                s[k] = v.clone();
            }
        }
        let c = condition(rng, TRUST_KEYS, 55, version_2008);
        if !c.is_null() {
            s["Condition"] = c;
        }
        statements.push(s);
    }
    let mut doc = reference::policy(statements);
    if version_2008 {
        doc["Version"] = json!("2008-10-17");
    }
    doc
}

/// The case the reference is asked for `case` under `doc`. The reference ignores
/// `Version`; AWS's policy variables page says that under `2008-10-17` (or with no
/// Version) `${...}` is literal text. So a 2008 case goes to the reference renamed: every
/// `$`, in the document and in the request alike, becomes `§`, which appears nowhere else.
/// Renaming one character everywhere changes no match, and under `2012-10-17` `§{...}` is
/// text. (The page's own escape, `${$}`, would not do: the reference keeps it as written
/// under the `StringEquals` family.)
fn for_reference(mut case: Value, doc: &Value) -> Value {
    if doc["Version"] == "2012-10-17" {
        case["trust"] = doc.clone();
        return case;
    }
    case["trust"] = doc.clone();
    case["trust"]["Version"] = json!("2012-10-17");
    serde_json::from_str(&case.to_string().replace('$', "§")).expect("still JSON")
}

/// AWS's time in every question of the test (2026-12-06T00:00:00Z).
const NOW: u64 = 1_796_515_200;

fn facts() -> Facts {
    Facts {
        now: Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs(NOW)),
        tags: vec![],
    }
}

/// A witness as a reference case (the trust policy is set by the caller): its principal
/// and every key it carries.
fn replay(w: &Witness) -> Value {
    let mut ctx = serde_json::Map::new();
    for (k, v) in &w.context {
        match v.as_deref() {
            Some([one]) => {
                ctx.insert(k.clone(), json!(one));
            }
            Some(many) => {
                ctx.insert(k.clone(), json!(many));
            }
            None => {}
        }
    }
    reference::trust_case(Value::Null, &w.principal, Value::Object(ctx))
}

/// A request EC2 could make, drawn without the evaluator: the keys the generator uses, as
/// the EC2 model allows them (absent where the model says absent), values from a pool wider
/// than the policies' own.
fn ec2_sample(rng: &mut Rng) -> Value {
    let mut ctx = serde_json::Map::new();
    let mut maybe = |rng: &mut Rng, key: &str, pool: &[&str]| {
        if rng.chance(70) {
            ctx.insert(key.into(), json!(rng.pick(pool)));
        }
    };
    maybe(rng, "aws:SourceAccount", &["123456789012"]);
    maybe(rng, "aws:SecureTransport", &["true", "false"]);
    maybe(
        rng,
        "aws:SourceIp",
        &[
            "203.0.113.9",
            "203.0.113.0",
            "203.0.114.0",
            "198.51.100.7",
            "192.0.2.1",
            "10.1.2.3",
        ],
    );
    ctx.insert(
        "aws:PrincipalAccount".into(),
        json!(rng.pick(&[
            "111111111111",
            "123456789012",
            "444412345678",
            "555555555555"
        ])),
    );
    ctx.insert("aws:CurrentTime".into(), json!("2026-12-06T00:00:00Z"));
    reference::trust_case(Value::Null, reference::EC2, Value::Object(ctx))
}

/// An outsider's request drawn without the evaluator: an account and organisation the
/// policy does not name, a role name, and keys it chooses.
fn outsider_sample(rng: &mut Rng, doc: &str) -> Value {
    let account = loop {
        let a = format!("{:012}", rng.next() % 1_000_000_000_000);
        let a = if rng.chance(20) {
            format!("4444{}", &a[4..])
        } else {
            a
        };
        if !doc.contains(&a) && a != "123456789012" {
            break a;
        }
    };
    let name = rng.pick(&["deploy", "x", "outsider", "deploy-2"]);
    let arn = format!("arn:aws:iam::{account}:role/{name}");
    let mut ctx = serde_json::Map::new();
    ctx.insert("aws:PrincipalAccount".into(), json!(account));
    ctx.insert("aws:PrincipalArn".into(), json!(arn));
    ctx.insert("aws:CurrentTime".into(), json!("2026-12-06T00:00:00Z"));
    let mut maybe = |rng: &mut Rng, key: &str, pool: &[&str]| {
        if rng.chance(60) {
            ctx.insert(key.into(), json!(rng.pick(pool)));
        }
    };
    maybe(rng, "aws:PrincipalOrgID", &["o-zzzzzzzzzz", "o-abd999"]);
    maybe(rng, "aws:SecureTransport", &["true", "false"]);
    maybe(
        rng,
        "aws:SourceIp",
        &["203.0.113.9", "198.51.100.7", "192.0.2.1"],
    );
    maybe(
        rng,
        "aws:MultiFactorAuthAge",
        &["30", "60", "61.5", "3600", "9000"],
    );
    maybe(
        rng,
        "aws:PrincipalTag/team",
        &["batch", "bx", "b*", "other"],
    );
    maybe(
        rng,
        "aws:PrincipalTag/owner",
        &["batch", "bx", "platform", "${aws:PrincipalAccount}"],
    );
    let external = [
        "secret-1",
        "secret-2",
        account.as_str(),
        "none",
        "${aws:PrincipalAccount}",
    ];
    maybe(rng, "sts:ExternalId", &external);
    reference::trust_case(Value::Null, &arn, Value::Object(ctx))
}

/// What a reference answer must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Allowed,
    NotAllowed,
}

#[test]
fn trust_questions_agree_with_an_independent_evaluator() {
    let seed = seed();
    let mut rng = Rng(seed);
    let mut cases: Vec<Value> = vec![];
    // (case index, what it must be, why it was asked)
    let mut expect: Vec<(usize, Expect, String)> = vec![];
    let (mut counts, mut witnesses, mut samples, mut undecided) = ([0usize; 3], 0, 0, 0);
    for _ in 0..TRUST_CASES {
        let doc = trust_policy(&mut rng);
        let text = doc.to_string();
        let ours = judge(
            &Policy::parse(&text).expect("generated policies parse"),
            Partition::Aws,
            ROLE_ARN,
            &facts(),
        );
        let mut ask = |case: Value, e: Expect, why: String, cases: &mut Vec<Value>| {
            expect.push((cases.len(), e, why));
            cases.push(for_reference(case, &doc));
        };
        // (a) EC2: the witnesses replayed, then requests the evaluator did not choose.
        let ec2 = &ours.ec2;
        match ec2.decision {
            Decision::Allowed | Decision::Denied => {
                let e = if ec2.decision == Decision::Allowed {
                    Expect::Allowed
                } else {
                    Expect::NotAllowed
                };
                counts[usize::from(ec2.decision == Decision::Denied)] += 1;
                let w = ec2.witness.as_ref().expect("a verdict carries a witness");
                ask(
                    replay(w),
                    e,
                    format!("(a) witness of {:?}", ec2.decision),
                    &mut cases,
                );
                witnesses += 1;
                for _ in 0..6 {
                    ask(
                        ec2_sample(&mut rng),
                        e,
                        format!("(a) sample against {:?}", ec2.decision),
                        &mut cases,
                    );
                    samples += 1;
                }
            }
            Decision::Depends => {
                counts[2] += 1;
                let (a, d) = (ec2.witness.as_ref().unwrap(), ec2.counter.as_ref().unwrap());
                ask(
                    replay(a),
                    Expect::Allowed,
                    "(a) allowed witness of Depends".into(),
                    &mut cases,
                );
                ask(
                    replay(d),
                    Expect::NotAllowed,
                    "(a) denied witness of Depends".into(),
                    &mut cases,
                );
                witnesses += 2;
            }
            Decision::Undecided => undecided += 1,
        }
        // (b) the outsider: a public verdict's witness must get in; otherwise no outsider
        // drawn at random may.
        match ours.outsider.decision {
            Decision::Allowed | Decision::Depends => {
                let w = ours.outsider.witness.as_ref().unwrap();
                ask(
                    replay(w),
                    Expect::Allowed,
                    "(b) outsider witness".into(),
                    &mut cases,
                );
                witnesses += 1;
            }
            Decision::Denied => {
                for _ in 0..6 {
                    ask(
                        outsider_sample(&mut rng, &text),
                        Expect::NotAllowed,
                        "(b) sample against not public".into(),
                        &mut cases,
                    );
                    samples += 1;
                }
            }
            Decision::Undecided => undecided += 1,
        }
    }
    let answers = reference::evaluate(&cases);
    let mut disagreements = vec![];
    for (i, e, why) in &expect {
        let theirs = answers[*i].exact(&cases[*i]);
        let allowed = theirs == Ref::Allowed;
        if allowed != (*e == Expect::Allowed) {
            disagreements.push(format!("{why}: reference {theirs:?}: {}", cases[*i]));
        }
    }
    eprintln!(
        "differential (a)/(b), seed {seed}: {TRUST_CASES} trust policies; EC2 allowed {}, denied {}, depends {}; {witnesses} witnesses replayed, {samples} counter-example searches, {undecided} undecided, {} disagreement(s)",
        counts[0],
        counts[1],
        counts[2],
        disagreements.len()
    );
    assert!(
        disagreements.is_empty(),
        "seed {seed} (ECSROLE_DIFF_SEED={seed} replays it): {} disagreement(s):\n{}",
        disagreements.len(),
        disagreements[..disagreements.len().min(15)].join("\n")
    );
    assert_eq!(undecided, 0, "every generated question is decided");
    assert!(
        counts.iter().all(|&c| c > TRUST_CASES / 50),
        "the generator must reach every verdict: {counts:?}"
    );
}

/// Keys of the agent question, with the values a concrete request takes.
const AGENT_KEYS: &[Key] = &[
    Key {
        name: "aws:RequestedRegion",
        operators: &["StringEquals", "StringNotEquals", "StringLike"],
        values: &["us-east-1", "eu-*"],
    },
    Key {
        name: "aws:SecureTransport",
        operators: &["Bool"],
        values: &["true", "false"],
    },
    Key {
        name: "aws:PrincipalTag/team",
        operators: &["StringEquals", "StringNotEqualsIfExists", "StringLike"],
        values: &["batch", "${aws:PrincipalTag/owner}"],
    },
    Key {
        name: "aws:PrincipalTag/team",
        operators: &["Null"],
        values: &["true", "false"],
    },
];

fn agent_policy(rng: &mut Rng, scp: bool) -> Value {
    let actions = [
        json!({"Action": "ecs:*"}),
        json!({"Action": ["ecs:RegisterContainerInstance", "ecs:Poll"]}),
        json!({"Action": "ecs:Submit*"}),
        json!({"Action": "ecr:*"}),
        json!({"Action": "*"}),
        json!({"Action": "s3:*"}),
        json!({"Action": "logs:PutLogEvents"}),
        json!({"NotAction": "s3:*"}),
        json!({"NotAction": ["ecs:*", "ecr:*"]}),
    ];
    let resources = [
        json!({"Resource": "*"}),
        json!({"Resource": "arn:aws:ecs:*:*:cluster/*"}),
        json!({"Resource": "arn:aws:ecs:us-east-1:123456789012:cluster/prod-*"}),
        json!({"Resource": ["arn:aws:ecs:*:*:container-instance/*/*", "arn:aws:logs:*:*:*"]}),
        json!({"NotResource": "arn:aws:s3:::*"}),
    ];
    let mut statements = vec![];
    for _ in 0..1 + rng.below(2) {
        let mut s =
            json!({"Effect": if rng.chance(if scp { 35 } else { 25 }) { "Deny" } else { "Allow" }});
        for part in [rng.pick(&actions), rng.pick(&resources)] {
            for (k, v) in part.as_object().expect("an object") {
                s[k] = v.clone();
            }
        }
        let c = condition(rng, AGENT_KEYS, 35, false);
        if !c.is_null() {
            s["Condition"] = c;
        }
        statements.push(s);
    }
    reference::policy(statements)
}

#[test]
fn agent_permissions_agree_with_an_independent_evaluator() {
    let seed = seed();
    let mut rng = Rng(seed ^ 0x5eed);
    let requests = [
        (
            "ecs:RegisterContainerInstance",
            "arn:aws:ecs:us-east-1:123456789012:cluster/prod-a",
        ),
        (
            "ecs:RegisterContainerInstance",
            "arn:aws:ecs:eu-west-1:123456789012:cluster/batch-b",
        ),
        (
            "ecs:Poll",
            "arn:aws:ecs:us-east-1:123456789012:container-instance/prod-a/0abc",
        ),
        (
            "ecs:SubmitTaskStateChange",
            "arn:aws:ecs:us-east-1:123456789012:cluster/prod-a",
        ),
        ("ecr:GetAuthorizationToken", "*"),
        (
            "logs:PutLogEvents",
            "arn:aws:logs:us-east-1:123456789012:log-group:g:log-stream:s",
        ),
    ];
    let full = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
    let mut cases = vec![];
    let mut ours = vec![];
    for _ in 0..AGENT_CASES {
        let identity: Vec<Value> = (0..1 + rng.below(2))
            .map(|_| agent_policy(&mut rng, false))
            .collect();
        let boundary = rng.chance(30).then(|| agent_policy(&mut rng, false));
        let scps: Option<Vec<Vec<Value>>> = rng.chance(40).then(|| {
            (0..1 + rng.below(2))
                .map(|_| {
                    let mut level = vec![];
                    if rng.chance(60) {
                        level.push(full.clone());
                    }
                    level.push(agent_policy(&mut rng, true));
                    level
                })
                .collect()
        });
        let (action, resource) = rng.pick(&requests);
        let mut ctx = serde_json::Map::new();
        for (key, values) in [
            (
                "aws:RequestedRegion",
                &[Some("us-east-1"), Some("eu-west-1"), None][..],
            ),
            (
                "aws:SecureTransport",
                &[Some("true"), Some("false"), None][..],
            ),
            (
                "aws:PrincipalTag/team",
                &[Some("batch"), Some("other"), None][..],
            ),
            (
                "aws:PrincipalTag/owner",
                &[Some("batch"), Some("platform"), None][..],
            ),
        ] {
            if let Some(v) = rng.pick(values) {
                ctx.insert(key.into(), json!(v));
            }
        }
        let mut case = reference::permissions_case(
            identity.clone(),
            boundary.clone(),
            scps.clone(),
            action,
            resource,
        );
        case["context"] = Value::Object(ctx.clone());
        cases.push(case);
        // ecsrole's evaluator on the same request.
        let parse = |v: &Value| Policy::parse(&v.to_string()).expect("generated policies parse");
        let identity: Vec<Policy> = identity.iter().map(parse).collect();
        let boundary = boundary.as_ref().map(parse);
        let scps: Option<Vec<Vec<Policy>>> = scps
            .as_ref()
            .map(|l| l.iter().map(|p| p.iter().map(parse).collect()).collect());
        let set = PolicySet {
            resource: None,
            identity: identity
                .iter()
                .map(|policy| Named {
                    name: "identity",
                    policy,
                })
                .collect(),
            boundary: boundary.as_ref().map(|policy| Named {
                name: "boundary",
                policy,
            }),
            scps: scps.as_ref().map(|levels| {
                levels
                    .iter()
                    .map(|l| Level {
                        target: "level",
                        policies: l
                            .iter()
                            .map(|policy| Named {
                                name: "scp",
                                policy,
                            })
                            .collect(),
                    })
                    .collect()
            }),
        };
        let mut context = Context::new();
        for (k, v) in &ctx {
            context = context.known(k, v.as_str().expect("a string"));
        }
        let verdict = policy::evaluate(
            &set,
            &Request {
                principal: Principal::Aws(SESSION_ARN.into()),
                action: action.into(),
                resource: Resource::Arn(resource.into()),
                context,
            },
        );
        ours.push(verdict.decision);
    }
    let answers = reference::evaluate(&cases);
    let mut disagreements = vec![];
    let mut allowed = 0;
    for (i, (case, ours)) in cases.iter().zip(&ours).enumerate() {
        let theirs = answers[i].exact(case);
        let theirs = if theirs == Ref::Allowed {
            Decision::Allowed
        } else {
            Decision::Denied
        };
        allowed += usize::from(theirs == Decision::Allowed);
        if *ours != theirs {
            disagreements.push(format!(
                "(c) ecsrole {ours:?}, reference {theirs:?}: {case}"
            ));
        }
    }
    eprintln!(
        "differential (c), seed {seed}: {AGENT_CASES} requests; reference allowed {allowed}, denied {}",
        AGENT_CASES - allowed
    );
    assert!(
        disagreements.is_empty(),
        "seed {seed} (ECSROLE_DIFF_SEED={seed} replays it): {} disagreement(s):\n{}",
        disagreements.len(),
        disagreements[..disagreements.len().min(15)].join("\n")
    );
    assert!(
        allowed > AGENT_CASES / 10 && allowed < AGENT_CASES * 9 / 10,
        "the generator must reach both verdicts: {allowed} of {AGENT_CASES} allowed"
    );
}
