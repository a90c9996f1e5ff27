//! The differential test: generated trust policies, identity policies, boundaries and SCPs,
//! each judged by ecsrole's evaluator (`ecsrole_core::policy`, through the same
//! `findings::trust::judge` that `check` uses) and by an independent one someone else
//! maintains (@cloud-copilot/iam-simulate, `reference.rs`). No emulator: it runs on any
//! backend, and only where `cargo xtask test` installed the reference.
//!
//! - (a) may EC2 assume the role, and (b) may an outsider: ecsrole answers with the keys
//!   EC2 (or the outsider) may send unknown; the reference is asked every completion of
//!   those keys over the values the generator uses (absent, each value, one no policy
//!   names), and the answers must agree: Allowed when the reference allows every
//!   completion, Denied when it allows none, Depends otherwise; for (b) public exactly when
//!   the reference allows some completion.
//! - (c) may the role's session call an agent action: concrete requests (every key known
//!   or absent), under identity policies, a boundary and SCP levels; the decisions must
//!   be equal.
//!
//! `ECSROLE_DIFF_SEED` replays a run; a failure prints the seed and the case.
//!
//! Where the reference departs from AWS's documentation (tests/reference/iam-simulate.mjs
//! lists them), the generator avoids the shape, so no case is judged against it:
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
use ecsrole_core::findings::trust::{OUTSIDER_ACCOUNT, judge};
use ecsrole_core::policy::{
    self, Context, Decision, Level, Named, Policy, PolicySet, Principal, Request, Resource,
};
use serde_json::{Value, json};

use crate::reference::{self, Decision as Ref, ROLE_ARN, SESSION_ARN};

const TRUST_CASES: usize = 1500;
const AGENT_CASES: usize = 2500;

/// xorshift64*, seeded.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())].clone()
    }
}

fn seed() -> u64 {
    std::env::var("ECSROLE_DIFF_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(7)
        })
        | 1
}

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
        values: &["111111111111", "123456789012", "4444*"],
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
        values: &["batch", "b*"],
    },
    Key {
        name: "sts:ExternalId",
        operators: &["StringEquals", "StringNotEquals"],
        values: &["secret-1"],
    },
];

/// The values a completion tries for a key: absent, each generated value (patterns
/// instantiated), and one nobody names; for the outsider's own keys, only what an outsider
/// can have.
fn completions(key: &Key, outsider: bool) -> Vec<Option<String>> {
    let concrete = |v: &str| {
        v.replace("*", "x").replace(
            "arn:aws:iam::x:role/deploy",
            "arn:aws:iam::999999999999:role/deploy",
        )
    };
    match (key.name, outsider) {
        ("aws:PrincipalAccount", true) => vec![Some(OUTSIDER_ACCOUNT.into())],
        ("aws:PrincipalArn", true) => vec![], // the principal itself: see the test
        ("aws:PrincipalArn", false) => vec![
            None,
            Some("arn:aws:iam::*:*".into()),
            Some("arn:aws:iam::222222222222:role/unseen".into()),
            Some("arn:aws:iam::111111111111:role/deploy".into()),
            Some("arn:aws:iam::999999999999:role/deploy".into()),
            Some("arn:aws:iam::111111111111:role/x".into()),
        ],
        ("aws:PrincipalOrgID", true) => vec![None, Some("o-ecsroleoutsider".into())],
        ("aws:SourceAccount", true) => vec![None, Some(OUTSIDER_ACCOUNT.into())],
        ("aws:SourceAccount", false) => vec![None, Some("123456789012".into())],
        ("aws:SecureTransport", _) => vec![None, Some("true".into()), Some("false".into())],
        ("aws:SourceIp", _) => vec![
            None,
            Some("203.0.113.9".into()),
            Some("198.51.100.7".into()),
            Some("192.0.2.1".into()),
        ],
        ("aws:MultiFactorAuthAge", _) => vec![
            None,
            Some("30".into()),
            Some("60".into()),
            Some("600".into()),
            Some("3600".into()),
            Some("7200".into()),
        ],
        ("aws:CurrentTime", _) => vec![
            None,
            Some("2025-06-01T00:00:00Z".into()),
            Some("2026-01-01T00:00:00Z".into()),
            Some("2028-01-01T00:00:00Z".into()),
            Some("2030-06-01T00:00:00Z".into()),
            Some("2031-01-01T00:00:00Z".into()),
        ],
        _ => {
            // Each value as written (a literal `*` is a value too) and instantiated.
            let mut out = vec![None, Some("unseen-value".into())];
            for v in key.values {
                for c in [(*v).to_owned(), concrete(v)] {
                    if !out.contains(&Some(c.clone())) {
                        out.push(Some(c));
                    }
                }
            }
            out
        }
    }
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

/// 0 to 2 conditions over keys of `keys`, as a Condition object (or null).
fn condition(rng: &mut Rng, keys: &[Key], percent: usize) -> (Value, Vec<usize>) {
    if !rng.chance(percent) {
        return (Value::Null, vec![]);
    }
    let mut cond = serde_json::Map::new();
    let mut used = vec![];
    for _ in 0..1 + rng.below(2) {
        let k = rng.below(keys.len());
        let key = &keys[k];
        let op = rng.pick(key.operators);
        let entry = cond
            .entry(op.to_owned())
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .expect("an object");
        if entry.contains_key(key.name) {
            continue;
        }
        entry.insert(key.name.to_owned(), one_or_many(rng, key.values));
        if !used.contains(&k) {
            used.push(k);
        }
    }
    (Value::Object(cond), used)
}

fn trust_policy(rng: &mut Rng) -> (Value, Vec<usize>) {
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
    let mut used = vec![];
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
        let (c, keys) = condition(rng, TRUST_KEYS, 55);
        if !c.is_null() {
            s["Condition"] = c;
        }
        for k in keys {
            if !used.contains(&k) {
                used.push(k);
            }
        }
        statements.push(s);
    }
    (reference::policy(statements), used)
}

/// Every completion of `keys` (mixed radix), as reference context objects.
fn contexts(keys: &[usize], outsider: bool) -> Vec<serde_json::Map<String, Value>> {
    let axes: Vec<(&str, Vec<Option<String>>)> = keys
        .iter()
        .map(|&k| (TRUST_KEYS[k].name, completions(&TRUST_KEYS[k], outsider)))
        .filter(|(_, c)| !c.is_empty())
        .collect();
    let total: usize = axes.iter().map(|(_, c)| c.len()).product();
    (0..total)
        .map(|mut i| {
            let mut ctx = serde_json::Map::new();
            for (name, choices) in &axes {
                if let Some(v) = &choices[i % choices.len()] {
                    ctx.insert((*name).to_owned(), json!(v));
                }
                i /= choices.len();
            }
            ctx
        })
        .collect()
}

fn combine(answers: &[Ref]) -> Decision {
    let allowed = answers.iter().filter(|a| **a == Ref::Allowed).count();
    match allowed {
        0 => Decision::Denied,
        n if n == answers.len() => Decision::Allowed,
        _ => Decision::Depends,
    }
}

#[test]
fn trust_questions_agree_with_an_independent_evaluator() {
    let seed = seed();
    let mut rng = Rng(seed);
    let mut cases: Vec<Value> = vec![];
    // (policy, EC2 completions range, outsider completions range)
    let mut plan = vec![];
    for _ in 0..TRUST_CASES {
        let (doc, keys) = trust_policy(&mut rng);
        let start = cases.len();
        for ctx in contexts(&keys, false) {
            cases.push(reference::trust_case(
                doc.clone(),
                reference::EC2,
                Value::Object(ctx),
            ));
        }
        let ec2 = start..cases.len();
        let mut principals = vec![format!(
            "arn:aws:iam::{OUTSIDER_ACCOUNT}:role/ecsrole-outsider"
        )];
        if doc.to_string().contains("role/deploy") {
            principals.push(format!("arn:aws:iam::{OUTSIDER_ACCOUNT}:role/deploy"));
        }
        for who in &principals {
            for mut ctx in contexts(&keys, true) {
                ctx.insert("aws:PrincipalAccount".into(), json!(OUTSIDER_ACCOUNT));
                ctx.insert("aws:PrincipalArn".into(), json!(who));
                cases.push(reference::trust_case(doc.clone(), who, Value::Object(ctx)));
            }
        }
        plan.push((doc, ec2, cases.len()));
    }
    let answers = reference::evaluate(&cases);
    let (mut disagreements, mut counts) = (vec![], [0usize; 3]);
    let mut outsider_start = 0;
    for (doc, ec2, end) in &plan {
        let ours = judge(
            &Policy::parse(&doc.to_string()).expect("generated policies parse"),
            Partition::Aws,
            ROLE_ARN,
        );
        let theirs: Vec<Ref> = ec2.clone().map(|i| answers[i].exact(&cases[i])).collect();
        let theirs_ec2 = combine(&theirs);
        counts[match theirs_ec2 {
            Decision::Allowed => 0,
            Decision::Denied => 1,
            Decision::Depends => 2,
        }] += 1;
        if ours.ec2.decision != theirs_ec2 {
            disagreements.push(format!(
                "(a) EC2: ecsrole {:?} ({:?}), reference {theirs_ec2:?} over {} completions: {doc}",
                ours.ec2.decision,
                ours.ec2.keys,
                theirs.len()
            ));
        }
        outsider_start = outsider_start.max(ec2.end);
        let outsider: Vec<Ref> = (ec2.end..*end)
            .map(|i| answers[i].exact(&cases[i]))
            .collect();
        let theirs_public = outsider.contains(&Ref::Allowed);
        if ours.public() != theirs_public {
            disagreements.push(format!(
                "(b) outsider: ecsrole public={} ({:?}), reference public={theirs_public}: {doc}",
                ours.public(),
                ours.outsider.keys
            ));
        }
    }
    eprintln!(
        "differential (a)/(b), seed {seed}: {TRUST_CASES} trust policies, {} reference evaluations; EC2 allowed {}, denied {}, depends {}",
        cases.len(),
        counts[0],
        counts[1],
        counts[2]
    );
    assert!(
        disagreements.is_empty(),
        "seed {seed} (ECSROLE_DIFF_SEED={seed} replays it): {} disagreement(s):\n{}",
        disagreements.len(),
        disagreements[..disagreements.len().min(15)].join("\n")
    );
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
        operators: &["StringEquals", "StringNotEqualsIfExists"],
        values: &["batch"],
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
        let (c, _) = condition(rng, AGENT_KEYS, 35);
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
