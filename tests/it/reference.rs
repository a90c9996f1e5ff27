//! The reference IAM policy evaluator: @cloud-copilot/iam-simulate, someone else's
//! maintained evaluator, driven by `tests/reference/iam-simulate.mjs` (its header is the
//! protocol and what the package does where AWS's documentation is silent or differs).
//! `cargo xtask test` installs the pinned package (`xtask/npm/`) and names the script in
//! `ECSROLE_TEST_IAM_SIMULATE`; without it these tests fail (they would compare nothing).
//!
//! `evaluate` runs one `node` for a batch of cases: the cases go in on stdin as JSON
//! lines, one answer per line comes back, in order. These tests never touch the backend.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};

/// How long one batch may take (node's start and the package's load are under a second;
/// each case a few milliseconds): a bound against a hung process, not a speed target. The
/// whole suite on 2 cores was seen to take over 120 s for the trust batch.
const TIMEOUT: Duration = Duration::from_secs(300);

/// iam-simulate's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allowed,
    ImplicitlyDenied,
    ExplicitlyDenied,
}

/// One answer: the decision, or iam-simulate's errors (a policy it rejects, an action it
/// does not know...), and the context keys it did not take as given.
#[derive(Debug, Clone)]
pub struct Answer {
    pub decision: Option<Decision>,
    pub errors: Value,
    /// Keys it dropped from the request (not allowed for the action): the case is not the
    /// request it was meant to be.
    pub ignored_context_keys: Vec<String>,
    /// Single-valued keys given several values, which it cut to the first.
    pub collapsed_context_keys: Vec<String>,
}

impl Answer {
    /// The decision for a request iam-simulate took exactly as given; panics otherwise,
    /// naming the case.
    pub fn exact(&self, case: &Value) -> Decision {
        assert!(
            self.ignored_context_keys.is_empty() && self.collapsed_context_keys.is_empty(),
            "iam-simulate changed the request (ignored {:?}, collapsed {:?}): {case}",
            self.ignored_context_keys,
            self.collapsed_context_keys
        );
        self.decision
            .unwrap_or_else(|| panic!("iam-simulate refused {case}: {}", self.errors))
    }
}

/// The script `cargo xtask test` hands over; a clear failure without it.
fn script() -> std::ffi::OsString {
    std::env::var_os("ECSROLE_TEST_IAM_SIMULATE").unwrap_or_else(|| {
        match std::env::var("ECSROLE_TEST_IAM_SIMULATE_UNAVAILABLE") {
            Ok(why) => panic!("the reference IAM policy evaluator is unavailable: {why}"),
            Err(_) => panic!(
                "ECSROLE_TEST_IAM_SIMULATE is unset: `cargo xtask test` installs \
                 @cloud-copilot/iam-simulate (xtask/npm/) and sets it to \
                 tests/reference/iam-simulate.mjs"
            ),
        }
    })
}

/// Runs `cases` (JSON objects in the script's input shape; their `id` is replaced by the
/// index) through one `node` and returns one answer per case, in order. Panics, with
/// node's stderr, when node fails, answers out of turn or takes longer than `TIMEOUT`.
pub fn evaluate(cases: &[Value]) -> Vec<Answer> {
    let script = script();
    let mut input = String::new();
    for (i, case) in cases.iter().enumerate() {
        let mut case = case.clone();
        case.as_object_mut()
            .expect("a case is a JSON object")
            .insert("id".into(), json!(i));
        input.push_str(&case.to_string());
        input.push('\n');
    }
    let mut child = Command::new("node")
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run `node {}` (the reference IAM policy evaluator needs Node.js): {e}",
                script.to_string_lossy()
            )
        });
    let mut stdin = child.stdin.take().expect("piped stdin");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    // Writer, readers and the deadline on their own threads: neither pipe can fill up
    // while the other is waited on, and a hung node is killed.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let errors = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let lines: Vec<String> = BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .collect();
        let _ = tx.send(lines);
    });
    let lines = match rx.recv_timeout(TIMEOUT) {
        Ok(lines) => lines,
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "node {} answered nothing within {TIMEOUT:?}; its stderr:\n{}",
                script.to_string_lossy(),
                errors.join().unwrap_or_default()
            );
        }
    };
    let _ = writer.join();
    let status = child.wait().expect("wait for node");
    let stderr = errors.join().unwrap_or_default();
    assert!(
        status.success() && lines.len() == cases.len(),
        "node {} ended {status} with {} answers for {} cases; its stderr:\n{stderr}",
        script.to_string_lossy(),
        lines.len(),
        cases.len()
    );
    lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let v: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("answer {i} is not JSON ({e}): {line}"));
            assert_eq!(v["id"], json!(i), "answers out of turn: {line}");
            let decision = match v["decision"].as_str() {
                Some("Allowed") => Some(Decision::Allowed),
                Some("ImplicitlyDenied") => Some(Decision::ImplicitlyDenied),
                Some("ExplicitlyDenied") => Some(Decision::ExplicitlyDenied),
                None => None,
                Some(other) => panic!("unknown decision {other:?}: {line}"),
            };
            let keys = |field: &str| -> Vec<String> {
                v[field]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|k| k.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default()
            };
            Answer {
                decision,
                errors: v["errors"].clone(),
                ignored_context_keys: keys("ignoredContextKeys"),
                collapsed_context_keys: keys("collapsedContextKeys"),
            }
        })
        .collect()
}

pub const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/ecsInstanceRole";
pub const SESSION_ARN: &str = "arn:aws:sts::123456789012:assumed-role/ecsInstanceRole/i-0abc";
pub const OUTSIDER_ARN: &str = "arn:aws:iam::999999999999:role/outsider";
pub const EC2: &str = "ec2.amazonaws.com";

/// May `principal` call sts:AssumeRole on the role with `trust` as its trust policy?
pub fn trust_case(trust: Value, principal: &str, context: Value) -> Value {
    json!({
        "trust": trust, "identity": null, "boundary": null, "scps": null,
        "principal": principal, "action": "sts:AssumeRole", "resource": ROLE_ARN,
        "context": context,
    })
}

/// May the role's session call `action` on `resource` under these policies?
pub fn permissions_case(
    identity: Vec<Value>,
    boundary: Option<Value>,
    scps: Option<Vec<Vec<Value>>>,
    action: &str,
    resource: &str,
) -> Value {
    json!({
        "trust": null, "identity": identity, "boundary": boundary, "scps": scps,
        "principal": SESSION_ARN, "action": action, "resource": resource, "context": {},
    })
}

/// A policy document of `statements`.
pub fn policy(statements: Vec<Value>) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// The canonical EC2 trust statement, with `condition` when it is not null.
fn ec2_trust(condition: Value) -> Value {
    let mut s = json!({
        "Effect": "Allow", "Principal": {"Service": EC2}, "Action": "sts:AssumeRole",
    });
    if !condition.is_null() {
        s["Condition"] = condition;
    }
    policy(vec![s])
}

fn allow(action: &str) -> Value {
    json!({"Effect": "Allow", "Action": action, "Resource": "*"})
}

/// Cases whose IAM answer is certain from AWS's documentation ("Condition operators",
/// "Policy evaluation logic"); iam-simulate must give each of them. A reference that got
/// these wrong could not judge ecsrole's evaluator.
#[test]
fn smoke() {
    use Decision::{Allowed, ExplicitlyDenied, ImplicitlyDenied};
    let sa = json!({"aws:SourceAccount": "123456789012"});
    let none = json!({});
    let allow_all = || vec![policy(vec![allow("*")])];
    let agent = || {
        vec![policy(vec![
            allow("ecs:Poll"),
            allow("ecs:RegisterContainerInstance"),
        ])]
    };
    let cases: Vec<(&str, Value, Decision)> = vec![
        (
            "EC2 is allowed by the canonical trust policy",
            trust_case(ec2_trust(Value::Null), EC2, none.clone()),
            Allowed,
        ),
        (
            "another service is not",
            trust_case(ec2_trust(Value::Null), "ecs.amazonaws.com", none.clone()),
            ImplicitlyDenied,
        ),
        (
            "an explicit Deny wins over the Allow",
            trust_case(
                policy(vec![
                    ec2_trust(Value::Null)["Statement"][0].clone(),
                    json!({"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole"}),
                ]),
                EC2,
                none.clone(),
            ),
            ExplicitlyDenied,
        ),
        (
            "StringNotEquals with the key absent: the condition is true",
            trust_case(
                ec2_trust(json!({"StringNotEquals": {"aws:SourceAccount": "111111111111"}})),
                EC2,
                none.clone(),
            ),
            Allowed,
        ),
        (
            "StringEquals with the key absent: the condition is false",
            trust_case(
                ec2_trust(json!({"StringEquals": {"aws:SourceAccount": "123456789012"}})),
                EC2,
                none.clone(),
            ),
            ImplicitlyDenied,
        ),
        (
            "StringEquals with the key present and equal",
            trust_case(
                ec2_trust(json!({"StringEquals": {"aws:SourceAccount": "123456789012"}})),
                EC2,
                sa.clone(),
            ),
            Allowed,
        ),
        (
            "StringEqualsIfExists with the key absent: true",
            trust_case(
                ec2_trust(json!({"StringEqualsIfExists": {"aws:SourceAccount": "111111111111"}})),
                EC2,
                none.clone(),
            ),
            Allowed,
        ),
        (
            "ForAllValues with the key absent: true",
            trust_case(
                ec2_trust(json!({"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}})),
                EC2,
                none.clone(),
            ),
            Allowed,
        ),
        (
            "ForAnyValue with the key absent: false",
            trust_case(
                ec2_trust(json!({"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}})),
                EC2,
                none.clone(),
            ),
            ImplicitlyDenied,
        ),
        (
            "Null true with the key absent: true",
            trust_case(
                ec2_trust(json!({"Null": {"aws:SourceAccount": "true"}})),
                EC2,
                none.clone(),
            ),
            Allowed,
        ),
        (
            "negated operator, several values: AND (one equal makes it false)",
            trust_case(
                ec2_trust(json!({"StringNotEquals": {"aws:SourceAccount": ["1", "123456789012"]}})),
                EC2,
                sa.clone(),
            ),
            ImplicitlyDenied,
        ),
        (
            "an outside account named in the trust policy, its principal allowed by its own account",
            trust_case(
                policy(vec![json!({
                    "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999999999999:root"},
                    "Action": "sts:AssumeRole",
                })]),
                OUTSIDER_ARN,
                none.clone(),
            ),
            Allowed,
        ),
        (
            "an outside principal not named in the trust policy",
            trust_case(ec2_trust(Value::Null), OUTSIDER_ARN, none.clone()),
            ImplicitlyDenied,
        ),
        (
            "the role's session may ecs:Poll with the agent's policy",
            permissions_case(agent(), None, None, "ecs:Poll", "*"),
            Allowed,
        ),
        (
            "without any identity policy: implicitly denied",
            permissions_case(vec![], None, None, "ecs:Poll", "*"),
            ImplicitlyDenied,
        ),
        (
            "a boundary allowing only s3:* denies ecs:Poll",
            permissions_case(
                agent(),
                Some(policy(vec![allow("s3:*")])),
                None,
                "ecs:Poll",
                "*",
            ),
            ImplicitlyDenied,
        ),
        (
            "a boundary allowing ecs:* lets the identity Allow through",
            permissions_case(
                agent(),
                Some(policy(vec![allow("ecs:*")])),
                None,
                "ecs:Poll",
                "*",
            ),
            Allowed,
        ),
        (
            "a boundary alone grants nothing",
            permissions_case(
                vec![],
                Some(policy(vec![allow("ecs:*")])),
                None,
                "ecs:Poll",
                "*",
            ),
            ImplicitlyDenied,
        ),
        (
            "every SCP level allows",
            permissions_case(
                agent(),
                None,
                Some(vec![allow_all(), allow_all()]),
                "ecs:Poll",
                "*",
            ),
            Allowed,
        ),
        (
            "an SCP level without an Allow denies",
            permissions_case(
                agent(),
                None,
                Some(vec![allow_all(), vec![policy(vec![allow("s3:*")])]]),
                "ecs:Poll",
                "*",
            ),
            ImplicitlyDenied,
        ),
        (
            "an SCP Deny is explicit",
            permissions_case(
                agent(),
                None,
                Some(vec![vec![
                    policy(vec![allow("*")]),
                    policy(vec![
                        json!({"Effect": "Deny", "Action": "ecs:Poll", "Resource": "*"}),
                    ]),
                ]]),
                "ecs:Poll",
                "*",
            ),
            ExplicitlyDenied,
        ),
        (
            "NotAction allows what it does not list",
            permissions_case(
                vec![policy(vec![
                    json!({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}),
                ])],
                None,
                None,
                "ecs:Poll",
                "*",
            ),
            Allowed,
        ),
        (
            "NotAction does not allow what it lists",
            permissions_case(
                vec![policy(vec![
                    json!({"Effect": "Allow", "NotAction": "ecs:*", "Resource": "*"}),
                ])],
                None,
                None,
                "ecs:Poll",
                "*",
            ),
            ImplicitlyDenied,
        ),
        (
            "action names match without regard to case",
            permissions_case(
                vec![policy(vec![allow("ECS:poll")])],
                None,
                None,
                "ecs:Poll",
                "*",
            ),
            Allowed,
        ),
    ];
    let inputs: Vec<Value> = cases.iter().map(|(_, case, _)| case.clone()).collect();
    let answers = evaluate(&inputs);
    let wrong: Vec<String> = cases
        .iter()
        .zip(&answers)
        .filter(|((_, case, want), answer)| answer.exact(case) != *want)
        .map(|((what, _, want), answer)| {
            format!(
                "{what}: want {want:?}, iam-simulate says {:?}",
                answer.decision
            )
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "iam-simulate disagrees with AWS's docs:\n{}",
        wrong.join("\n")
    );
}

/// The script's own contract: a case iam-simulate rejects and a request it changes each get
/// an answer saying so, in turn, and the batch goes on.
#[test]
fn refusals_are_answers() {
    let bad_policy = permissions_case(
        vec![policy(vec![
            json!({"Effect": "Allow", "Action": "ecs:Poll"}),
        ])],
        None,
        None,
        "ecs:Poll",
        "*",
    );
    let unknown_action = permissions_case(
        vec![policy(vec![allow("*")])],
        None,
        None,
        "ecs:NoSuchAction",
        "*",
    );
    let unknown_key = trust_case(
        ec2_trust(json!({"StringEquals": {"ecsrole:nokey": "a"}})),
        EC2,
        json!({"ecsrole:nokey": "a"}),
    );
    let collapsed = trust_case(
        ec2_trust(json!({"StringEquals": {"aws:SourceAccount": "b"}})),
        EC2,
        json!({"aws:SourceAccount": ["a", "b"]}),
    );
    let fine = trust_case(ec2_trust(Value::Null), EC2, json!({}));
    let answers = evaluate(&[
        bad_policy,
        unknown_action,
        unknown_key,
        collapsed,
        fine.clone(),
    ]);
    assert_eq!(answers[0].decision, None);
    assert_eq!(
        answers[0].errors["message"], "policy.errors",
        "{:?}",
        answers[0]
    );
    assert_eq!(answers[1].decision, None);
    assert_eq!(
        answers[1].errors["message"], "invalid.action",
        "{:?}",
        answers[1]
    );
    assert_eq!(answers[2].ignored_context_keys, ["ecsrole:nokey"]);
    assert_eq!(answers[3].collapsed_context_keys, ["aws:SourceAccount"]);
    assert_eq!(answers[4].exact(&fine), Decision::Allowed);
}
