//! The exit-code invariants as a property test against the emulator. Starting states are
//! generated (trust documents from a grammar: Allow/Deny, principals `*`, `{"AWS": ...}`,
//! services as string or array, `Federated`; actions as string, array, wildcard or
//! `NotAction`; conditions; both versions; sometimes URL-encoded; attachments; the profile
//! missing, empty, holding another role or ours; paths; the two replace flags), set up
//! directly through IAM, then `check`, `plan`, `apply`, `check`, `plan`, `apply` run through
//! the counting proxy. Invariants:
//! - `apply` exits 0 ⇒ the next `check` exits 0 and the next `plan` has no action;
//! - `apply` exits 1 saying nothing was changed ⇒ the proxy saw no write;
//! - `check` exits 0 ⇒ no error finding, and no statement (read from IAM by the test, not
//!   by ecsrole) lets everyone assume the role unconditionally;
//! - a second `apply` never adds a trust statement.
//!
//! `ECSROLE_PROPERTY_SEED` and `ECSROLE_PROPERTY_CASE` replay one case; every failure
//! prints them.

use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};

use crate::harness::{Ctx, ECS_POLICY, Run};

/// Cases that must run per test run (a case whose state the emulator refuses to create
/// does not count).
const CASES: usize = 200;
const WORKERS: usize = 4;
const EXTRA_POLICY: &str = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore";

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, case: u64) -> Rng {
        Rng((seed ^ case.wrapping_mul(0x9E37_79B9_7F4A_7C15)) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize].clone()
    }
}

/// One generated starting state.
#[derive(Debug, Clone)]
struct Case {
    /// The trust document as sent to CreateRole; `None`: no role.
    trust: Option<String>,
    role_path: &'static str,
    attach_ecs: bool,
    attach_extra: bool,
    /// `None`: no profile; `Some(None)`: empty; `Some(Some(role))`.
    profile: Option<Option<&'static str>>,
    owned: bool,
    /// Flags given to every ecsrole command of the case.
    path: &'static str,
    extra_policy: bool,
    replace_trust: bool,
    replace_profile_role: bool,
}

fn statement(rng: &mut Rng) -> Value {
    let mut s = serde_json::Map::new();
    if rng.chance(30) {
        s.insert("Sid".into(), json!(format!("S{}", rng.below(100))));
    }
    s.insert(
        "Effect".into(),
        json!(if rng.chance(75) { "Allow" } else { "Deny" }),
    );
    let principals = [
        json!("*"),
        json!({"AWS": "*"}),
        json!({"AWS": "arn:aws:iam::111122223333:root"}),
        json!({"Service": "ec2.amazonaws.com"}),
        json!({"Service": ["ec2.amazonaws.com"]}),
        json!({"Service": "ecs-tasks.amazonaws.com"}),
        json!({"Service": ["ecs.amazonaws.com", "ec2.amazonaws.com"]}),
        json!({"Federated": "arn:aws:iam::111122223333:saml-provider/idp"}),
    ];
    // EC2 most often, so that many states are one step from compliant.
    let principal = if rng.chance(40) {
        json!({"Service": "ec2.amazonaws.com"})
    } else {
        rng.pick(&principals)
    };
    s.insert("Principal".into(), principal);
    let actions = [
        ("Action", json!("sts:AssumeRole")),
        ("Action", json!(["sts:AssumeRole", "sts:TagSession"])),
        ("Action", json!("sts:*")),
        ("Action", json!("*")),
        ("Action", json!("sts:AssumeRoleWithSAML")),
        ("NotAction", json!("sts:TagSession")),
    ];
    let (key, action) = if rng.chance(50) {
        ("Action", json!("sts:AssumeRole"))
    } else {
        rng.pick(&actions)
    };
    s.insert(key.into(), action);
    if rng.chance(30) {
        let conditions = [
            json!({"StringEquals": {"aws:SourceAccount": "111122223333"}}),
            json!({"Bool": {"aws:SecureTransport": "true"}}),
            json!({"StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}}),
        ];
        s.insert("Condition".into(), rng.pick(&conditions));
    }
    Value::Object(s)
}

fn generate(rng: &mut Rng) -> Case {
    let trust = rng.chance(90).then(|| {
        let n = 1 + rng.below(3) as usize;
        let statements: Vec<Value> = (0..n).map(|_| statement(rng)).collect();
        let mut doc = serde_json::Map::new();
        doc.insert(
            "Version".into(),
            json!(rng.pick(&["2012-10-17", "2008-10-17"])),
        );
        let body = if n == 1 && rng.chance(30) {
            statements[0].clone()
        } else {
            Value::Array(statements)
        };
        doc.insert("Statement".into(), body);
        let text = Value::Object(doc).to_string();
        if rng.chance(5) {
            percent_encoding::utf8_percent_encode(&text, percent_encoding::NON_ALPHANUMERIC)
                .to_string()
        } else {
            text
        }
    });
    Case {
        trust,
        role_path: rng.pick(&["/", "/batch/"]),
        attach_ecs: rng.chance(60),
        attach_extra: rng.chance(30),
        profile: rng.pick(&[None, Some(None), Some(Some("other")), Some(Some("ours"))]),
        owned: rng.chance(50),
        path: rng.pick(&["/", "/batch/"]),
        extra_policy: rng.chance(25),
        replace_trust: rng.chance(30),
        replace_profile_role: rng.chance(30),
    }
}

/// Creates the case's state directly through IAM. `false` when the emulator refuses it
/// (a document it will not take): the case does not count.
async fn set_up(ctx: &Ctx, case: &Case) -> bool {
    let tags: &[(&str, &str)] = if case.owned {
        &[("managed-by", "ecsrole")]
    } else {
        &[]
    };
    let tags: Vec<_> = tags
        .iter()
        .map(|(k, v)| {
            aws_sdk_iam::types::Tag::builder()
                .key(*k)
                .value(*v)
                .build()
                .unwrap()
        })
        .collect();
    if let Some(trust) = &case.trust {
        let created = ctx
            .iam
            .create_role()
            .role_name(&ctx.role)
            .path(case.role_path)
            .assume_role_policy_document(trust)
            .set_tags(Some(tags.clone()))
            .send()
            .await;
        if created.is_err() {
            return false;
        }
        if case.attach_ecs {
            ctx.attach(ECS_POLICY).await;
        }
        if case.attach_extra {
            ctx.attach(EXTRA_POLICY).await;
        }
    }
    if let Some(holder) = case.profile {
        ctx.iam
            .create_instance_profile()
            .instance_profile_name(&ctx.role)
            .path(case.role_path)
            .set_tags(Some(tags))
            .send()
            .await
            .unwrap();
        let role = match holder {
            Some("ours") if case.trust.is_some() => Some(ctx.role.clone()),
            Some(_) => {
                let other = format!("{}-o", ctx.role);
                ctx.iam
                    .create_role()
                    .role_name(&other)
                    .assume_role_policy_document(Ctx::trust_ec2())
                    .send()
                    .await
                    .unwrap();
                Some(other)
            }
            None => None,
        };
        if let Some(role) = role {
            ctx.iam
                .add_role_to_instance_profile()
                .instance_profile_name(&ctx.role)
                .role_name(role)
                .send()
                .await
                .unwrap();
        }
    }
    true
}

/// The trust document as IAM holds it (decoded), read by the test itself.
/// A document given URL-encoded (IAM takes both) is decoded as often as it was encoded.
async fn trust_now(ctx: &Ctx) -> Option<Value> {
    let role = ctx.iam.get_role().role_name(&ctx.role).send().await.ok()?;
    let mut text = role.role()?.assume_role_policy_document()?.to_owned();
    for _ in 0..3 {
        text = percent_encoding::percent_decode_str(&text)
            .decode_utf8_lossy()
            .into_owned();
        if let Ok(v) = serde_json::from_str(&text) {
            return Some(v);
        }
    }
    None
}

fn statements_of(doc: &Option<Value>) -> Vec<Value> {
    match doc.as_ref().map(|d| &d["Statement"]) {
        Some(Value::Array(items)) => items.clone(),
        Some(Value::Object(o)) => vec![Value::Object(o.clone())],
        _ => vec![],
    }
}

/// The test's own oracle: an Allow that lets everyone call sts:AssumeRole with no
/// condition at all.
fn public_statement(doc: &Option<Value>) -> Option<Value> {
    statements_of(doc).into_iter().find(|s| {
        let everyone = s["Principal"] == json!("*")
            || s["Principal"]["AWS"] == json!("*")
            || s["Principal"]["AWS"]
                .as_array()
                .is_some_and(|a| a.contains(&json!("*")));
        let assume = match (&s["Action"], &s["NotAction"]) {
            (Value::String(a), _) => {
                ["sts:assumerole", "sts:*", "*"].contains(&a.to_ascii_lowercase().as_str())
            }
            (Value::Array(a), _) => a.iter().any(|x| {
                x.as_str().is_some_and(|x| {
                    ["sts:assumerole", "sts:*", "*"].contains(&x.to_ascii_lowercase().as_str())
                })
            }),
            (_, Value::String(n)) => !n.eq_ignore_ascii_case("sts:AssumeRole"),
            _ => false,
        };
        s["Effect"] == "Allow" && everyone && assume && s.get("Condition").is_none()
    })
}

fn is_write(action: &str) -> bool {
    !(action.starts_with("Get") || action.starts_with("List"))
}

/// Runs one case; returns whether it ran (its state could be set up).
/// `None`: the emulator refused the starting state; else whether the case ends compliant.
async fn run_case(seed: u64, index: u64) -> Option<bool> {
    let mut rng = Rng::new(seed, index);
    let case = generate(&mut rng);
    let (ctx, proxy) = Ctx::proxied("prop").await;
    if !set_up(&ctx, &case).await {
        return None;
    }
    let replay = format!(
        "seed {seed} case {index} (replay: ECSROLE_PROPERTY_SEED={seed} ECSROLE_PROPERTY_CASE={index}); {case:?}"
    );
    let mut flags: Vec<&str> = vec!["--path", case.path];
    if case.extra_policy {
        flags.extend(["--extra-policy", EXTRA_POLICY]);
    }
    let mut change = flags.clone();
    if case.replace_trust {
        change.push("--replace-trust-policy");
    }
    if case.replace_profile_role {
        change.push("--replace-profile-role");
    }
    let run = |command: &str, extra: &[&str]| -> Run {
        let mut args = vec![command];
        args.extend_from_slice(extra);
        args.extend(["--output", "json"]);
        ctx.ecsrole(&args)
    };
    let assert_check = |check: &Run, doc: &Option<Value>, when: &str| {
        assert!(
            [0, 2].contains(&check.code),
            "{when} check: {check:?}\n{replay}"
        );
        if check.code == 0 {
            let findings = check.json()["findings"].clone();
            assert!(
                findings
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|f| f["severity"] != "error"),
                "{when} check exit 0 with an error finding: {findings}\n{replay}"
            );
            assert_eq!(
                public_statement(doc),
                None,
                "{when} check exit 0 while everyone may assume the role\n{replay}"
            );
        }
    };

    let check = run("check", &flags);
    assert_check(&check, &trust_now(&ctx).await, "first");
    let plan = run("plan", &change);
    proxy.clear_log();
    let apply = run("apply", &change);
    let writes: Vec<String> = proxy.log().into_iter().filter(|a| is_write(a)).collect();
    assert!([0, 1].contains(&apply.code), "apply: {apply:?}\n{replay}");
    if plan.code == 1 {
        assert_eq!(
            apply.code, 1,
            "plan refused, apply did not: {apply:?}\n{replay}"
        );
    }
    // apply exit 1 only as plan's refusal, for its reason: never a false red.
    if apply.code == 1 {
        assert_eq!(
            plan.code, 1,
            "apply failed where plan did not: {apply:?}\n{plan:?}\n{replay}"
        );
        let reason = |run: &Run| {
            run.stderr
                .lines()
                .find(|l| l.contains("error"))
                .map(str::to_owned)
        };
        assert!(
            reason(&plan).is_some() && apply.stderr.contains("nothing was changed"),
            "apply exit 1 without plan's refusal and its reason: {apply:?}\n{plan:?}\n{replay}"
        );
    }
    if apply.code == 1 && apply.stderr.contains("nothing was changed") {
        assert_eq!(
            writes,
            Vec::<String>::new(),
            "refused yet wrote: {apply:?}\n{replay}"
        );
    }
    let after = trust_now(&ctx).await;
    let check2 = run("check", &flags);
    assert_check(&check2, &after, "second");
    let plan2 = run("plan", &change);
    if apply.code == 0 {
        // The proof is the emulator's word, not ecsrole's: the role's trust policy allows
        // EC2, it carries the required policies, and the profile holds it.
        let trust = trust_now(&ctx).await.unwrap_or_default();
        let statements = statements_of(&Some(trust.clone()));
        let policies: Vec<String> = ctx
            .iam
            .list_attached_role_policies()
            .role_name(&ctx.role)
            .send()
            .await
            .map(|o| {
                o.attached_policies()
                    .iter()
                    .filter_map(|p| p.policy_arn().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let profile_roles: Option<Vec<String>> = ctx
            .iam
            .get_instance_profile()
            .instance_profile_name(&ctx.role)
            .send()
            .await
            .ok()
            .and_then(|o| o.instance_profile)
            .map(|p| p.roles().iter().map(|r| r.role_name().to_owned()).collect());
        let one_of = |v: &Value, want: &[&str]| {
            let all: Vec<&Value> = v.as_array().map_or_else(|| vec![v], |l| l.iter().collect());
            all.iter().any(|x| want.iter().any(|w| *x == w))
        };
        // An Allow naming EC2 and covering sts:AssumeRole (by Action or NotAction). Its
        // conditions are the evaluator's to judge (check may pass a condition EC2 meets,
        // with a warning): the emulator's word here is that the statement is there.
        let covers = |s: &Value| match (s.get("Action"), s.get("NotAction")) {
            (Some(a), _) => one_of(a, &["sts:AssumeRole", "sts:*", "*"]),
            (None, Some(n)) => !one_of(n, &["sts:AssumeRole", "sts:*", "*"]),
            (None, None) => false,
        };
        assert!(
            statements.iter().any(|s| s["Effect"] == "Allow"
                && one_of(&s["Principal"]["Service"], &["ec2.amazonaws.com"])
                && covers(s)),
            "apply said done, IAM's trust policy has no Allow of sts:AssumeRole for EC2: {trust}\n{replay}"
        );
        assert!(
            policies.iter().any(|p| p == ECS_POLICY)
                && (!flags.contains(&EXTRA_POLICY) || policies.iter().any(|p| p == EXTRA_POLICY)),
            "apply said done, IAM lists {policies:?}\n{replay}"
        );
        assert_eq!(
            profile_roles,
            Some(vec![ctx.role.clone()]),
            "apply said done: the profile IAM shows\n{replay}"
        );
        assert_eq!(check2.code, 0, "apply said done: {check2:?}\n{replay}");
        assert_eq!(plan2.code, 0, "apply said done: {plan2:?}\n{replay}");
        assert_eq!(plan2.json()["actions"], json!([]), "{replay}");
    }
    let again = run("apply", &change);
    let grown = statements_of(&trust_now(&ctx).await).len();
    assert!(
        grown <= statements_of(&after).len() || after.is_none(),
        "a second apply added a trust statement ({} -> {grown}): {again:?}\n{replay}",
        statements_of(&after).len()
    );
    Some(check2.code == 0)
}

fn seed() -> u64 {
    std::env::var("ECSROLE_PROPERTY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        })
}

#[test]
fn property_exit_codes_tell_the_truth() {
    let seed = seed();
    let only: Option<u64> = std::env::var("ECSROLE_PROPERTY_CASE")
        .ok()
        .and_then(|c| c.parse().ok());
    eprintln!("property test: seed {seed}");
    let next = AtomicUsize::new(only.map_or(0, |c| c as usize));
    let ran = AtomicUsize::new(0);
    let skipped = AtomicUsize::new(0);
    let compliant = AtomicUsize::new(0);
    let wanted = if only.is_some() { 1 } else { CASES };
    std::thread::scope(|scope| {
        for _ in 0..WORKERS {
            scope.spawn(|| {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .unwrap();
                while ran.load(Ordering::SeqCst) < wanted {
                    let index = next.fetch_add(1, Ordering::SeqCst) as u64;
                    // Enough attempts for the cases the emulator refuses to set up.
                    if index > 4 * CASES as u64 || (only.is_some() && Some(index) != only) {
                        return;
                    }
                    match runtime.block_on(run_case(seed, index)) {
                        Some(ended_compliant) => {
                            ran.fetch_add(1, Ordering::SeqCst);
                            compliant.fetch_add(usize::from(ended_compliant), Ordering::SeqCst);
                        }
                        None => {
                            skipped.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                }
            });
        }
    });
    let (ran, skipped, compliant) = (
        ran.into_inner(),
        skipped.into_inner(),
        compliant.into_inner(),
    );
    eprintln!(
        "property test: seed {seed}: {ran} cases ran ({compliant} ended compliant), {skipped} states the emulator refused"
    );
    assert!(
        ran >= wanted,
        "only {ran} of {wanted} cases ran (seed {seed})"
    );
    // A false red shows as states apply cannot bring to compliance: most generated states
    // can be, so a minimum share must end compliant.
    if only.is_none() {
        assert!(
            compliant * 100 >= ran * 40,
            "only {compliant} of {ran} cases ended compliant (seed {seed}): false reds?"
        );
    }
}
