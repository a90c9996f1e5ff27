//! The integration harness: finds the emulator `cargo xtask` started, runs the real
//! `ecsrole` binary against it, and gives tests an IAM client to set up and inspect state
//! directly (never trusting ecsrole's own word for what the emulator holds).

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials;
use aws_sdk_iam::Client;
use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_iam::types::Tag;

mod fixtures;
mod iam_state;
mod organizations;
mod own_moto;
pub mod proxy;
mod random;
mod sarif;
mod scene;
mod snapshots;
mod stuck;
mod verify_runs;

pub use fixtures::*;
pub use iam_state::*;
pub use organizations::*;
pub use own_moto::*;
pub use random::*;
pub use sarif::*;
pub use scene::*;
pub use stuck::*;
pub use verify_runs::*;

/// The emulator behind the tests: `ECSROLE_TEST_BACKEND`, set by `cargo xtask test`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Moto,
    /// Free LocalStack: IAM, STS, EC2; no Batch, no ECS.
    LocalStack,
    /// LocalStack Pro (Docker and LOCALSTACK_AUTH_TOKEN): Batch too.
    LocalStackPro,
}

pub fn backend() -> Backend {
    match std::env::var("ECSROLE_TEST_BACKEND").as_deref() {
        Ok("localstack") => Backend::LocalStack,
        Ok("localstack-pro") => Backend::LocalStackPro,
        Ok("moto") | Err(_) => Backend::Moto,
        Ok(other) => {
            panic!("unknown ECSROLE_TEST_BACKEND {other:?}: moto, localstack or localstack-pro")
        }
    }
}

/// Tests that need AWS Batch and ECS are named `batch_*` and start with this. `cargo xtask
/// test` skips them (`--skip batch_`, so libtest counts them as filtered out, and xtask
/// lists them) on free LocalStack, which has neither; run there anyway, they fail rather
/// than pass without running.
pub fn needs_batch() {
    assert!(
        backend() != Backend::LocalStack,
        "this test needs AWS Batch and ECS, which free LocalStack lacks: `cargo xtask test` skips batch_* tests there"
    );
}

/// Tests that need AWS Organizations are named `orgs_*` and start with this. Free
/// LocalStack has no Organizations API (it answers 501 "not included in your current
/// license plan"): `cargo xtask test` skips them there (`--skip orgs_`, listed with why);
/// run there anyway, they fail rather than pass without running.
pub fn needs_organizations() {
    assert!(
        backend() != Backend::LocalStack,
        "this test needs AWS Organizations, which free LocalStack lacks: `cargo xtask test` skips orgs_* tests there"
    );
}

/// The emulator URL: `ECSROLE_TEST_ENDPOINT` (set by `cargo xtask test`), else the one
/// `cargo xtask emulator start` recorded. Only loopback addresses are accepted: tests never
/// reach real AWS.
pub fn endpoint() -> String {
    let url = std::env::var("ECSROLE_TEST_ENDPOINT").ok().or_else(|| {
        let file = match backend() {
            Backend::Moto => "moto.state",
            Backend::LocalStack | Backend::LocalStackPro => "localstack.state",
        };
        let state = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../.ecsrole-state")
            .join(file);
        let text = std::fs::read_to_string(state).ok()?;
        text.lines()
            .find_map(|l| l.strip_prefix("url=").map(str::to_owned))
    });
    let url = url.expect(
        "no emulator: run the tests with `cargo xtask test`, or start one with `cargo xtask emulator start`",
    );
    assert!(
        url.starts_with("http://127.0.0.1:") || url.starts_with("http://localhost:"),
        "refusing to test against {url}: only a loopback emulator is allowed"
    );
    url
}

/// The SDK configuration of the test's own clients: the emulator, test credentials.
pub async fn sdk_config(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "it"))
        .load()
        .await
}

/// The test's own EC2 client (ecsrole's, which has no SDK behind it), on the emulator.
pub async fn ec2() -> ecsrole_batch::ec2::Ec2 {
    let aws = ecsrole_core::aws::Aws {
        config: sdk_config(&endpoint()).await,
        partition: ecsrole_core::partition::Partition::Aws,
        calls: ecsrole_core::aws::Calls::default(),
    };
    ecsrole_batch::ec2::Ec2::new(&aws)
}

/// A test's own names, unique per run, so tests share one emulator in parallel.
pub struct Ctx {
    pub role: String,
    /// Where ecsrole is sent: the emulator, or a proxy in front of it.
    pub endpoint: String,
    /// The emulator itself, where the test's own clients go.
    emulator: String,
    pub iam: Client,
    pub batch: aws_sdk_batch::Client,
    pub ecs: aws_sdk_ecs::Client,
    /// Set by `proxied`: each ecsrole run is then held to its command's permission table.
    proxy: Option<crate::harness::proxy::Proxy>,
    /// Set by `in_account`: the test's clients and ecsrole act in another account.
    credentials: Option<Credentials>,
}

/// One finished ecsrole process.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// The text a snapshot holds: exit code, stdout, stderr.
    pub fn transcript(&self) -> String {
        format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl Ctx {
    /// A context in the emulator's default account, whose default VPC has been made to
    /// look like AWS's (see [`aws_like_default_vpc`]).
    pub async fn new(test: &str) -> Ctx {
        DEFAULT_VPC
            .get_or_init(|| async { aws_like_default_vpc(&ec2().await).await })
            .await;
        Ctx::at(test, &endpoint()).await
    }

    /// Like `new`, on the emulator at `endpoint` (a moto of the test's own).
    pub async fn at(test: &str, endpoint: &str) -> Ctx {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let role = format!("{test}-{:x}{:x}{n}", std::process::id(), nanos);
        assert!(role.len() <= 64, "role name too long: {role}");
        let endpoint = endpoint.to_owned();
        let config = sdk_config(&endpoint).await;
        Ctx {
            role,
            emulator: endpoint.clone(),
            endpoint,
            iam: Client::new(&config),
            batch: aws_sdk_batch::Client::new(&config),
            ecs: aws_sdk_ecs::Client::new(&config),
            proxy: None,
            credentials: None,
        }
    }

    /// Like `new`, but the test's clients and every ecsrole run act in `account` (moto
    /// gives each assumed-role session the account it names): for tests whose commands,
    /// like `cleanup`, act on the whole account, out of the other tests' way.
    pub async fn in_account(test: &str, account: &str) -> Ctx {
        use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
        let mut ctx = Ctx::new(test).await;
        let base = sdk_config(&ctx.endpoint).await;
        let credentials = aws_config::sts::AssumeRoleProvider::builder(format!(
            "arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
        ))
        .session_name("it")
        .configure(&base)
        .build()
        .await
        .provide_credentials()
        .await
        .unwrap();
        let config = base
            .into_builder()
            .credentials_provider(SharedCredentialsProvider::new(credentials.clone()))
            .build();
        ctx.iam = Client::new(&config);
        ctx.batch = aws_sdk_batch::Client::new(&config);
        ctx.ecs = aws_sdk_ecs::Client::new(&config);
        ctx.credentials = Some(credentials);
        ctx
    }

    /// Points an ecsrole command at the emulator, as this test's identity.
    fn isolate(&self, cmd: &mut Command) {
        isolate(cmd, &self.endpoint);
        if let Some(c) = &self.credentials {
            cmd.env("AWS_ACCESS_KEY_ID", c.access_key_id())
                .env("AWS_SECRET_ACCESS_KEY", c.secret_access_key());
            if let Some(token) = c.session_token() {
                cmd.env("AWS_SESSION_TOKEN", token);
            }
        }
    }

    fn run(&self, cmd: Command) -> Run {
        self.run_with(cmd, &[])
    }

    /// `run`, with `env` set on top of the isolated environment.
    fn run_with(&self, mut cmd: Command, env: &[(&str, &str)]) -> Run {
        self.isolate(&mut cmd);
        cmd.envs(env.iter().copied());
        let out = cmd.output().expect("run ecsrole");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Like `new`, but ecsrole talks to the emulator through a fault-injecting proxy; the
    /// test's own clients still talk to the emulator directly.
    pub async fn proxied(test: &str) -> (Ctx, crate::harness::proxy::Proxy) {
        let mut ctx = Ctx::new(test).await;
        let proxy = crate::harness::proxy::Proxy::start(&ctx.endpoint).await;
        ctx.endpoint = proxy.url.clone();
        ctx.proxy = Some(proxy.clone());
        (ctx, proxy)
    }

    /// From now on ecsrole talks to the emulator through a fault-injecting proxy, as for
    /// `proxied` (for a context made by `in_account`); the test's own clients do not.
    pub async fn through_proxy(&mut self) -> crate::harness::proxy::Proxy {
        let proxy = crate::harness::proxy::Proxy::start(&self.endpoint).await;
        self.endpoint = proxy.url.clone();
        self.proxy = Some(proxy.clone());
        proxy
    }

    /// The SDK configuration of the test's own clients: the emulator itself, as this
    /// context's identity (its account).
    pub async fn sdk_config(&self) -> aws_config::SdkConfig {
        let mut config = sdk_config(&self.emulator).await.into_builder();
        if let Some(c) = &self.credentials {
            config = config.credentials_provider(
                aws_credential_types::provider::SharedCredentialsProvider::new(c.clone()),
            );
        }
        config.build()
    }

    /// The emulator itself (not the proxy in front of it).
    pub fn emulator(&self) -> &str {
        &self.emulator
    }

    /// The credentials of `in_account`, if this context was made so.
    pub fn credentials(&self) -> Option<Credentials> {
        self.credentials.clone()
    }

    /// The test's own EC2 client, acting as this context's identity (its account).
    pub async fn ec2(&self) -> ecsrole_batch::ec2::Ec2 {
        let aws = ecsrole_core::aws::Aws {
            config: self.sdk_config().await,
            partition: ecsrole_core::partition::Partition::Aws,
            calls: ecsrole_core::aws::Calls::default(),
        };
        ecsrole_batch::ec2::Ec2::new(&aws)
    }

    /// The test's own Auto Scaling client (the query client, speaking Auto Scaling's API),
    /// in its account, straight to the emulator.
    pub async fn autoscaling(&self) -> ecsrole_batch::ec2::Ec2 {
        let aws = ecsrole_core::aws::Aws {
            config: self.sdk_config().await,
            partition: ecsrole_core::partition::Partition::Aws,
            calls: ecsrole_core::aws::Calls::default(),
        };
        ecsrole_batch::ec2::Ec2::autoscaling(&aws)
    }

    /// Runs `ecsrole ARGS --role-name <role>` against the emulator, in an environment
    /// cleared of the caller's AWS settings.
    /// `ecsrole`, with these environment variables set too (`GITHUB_STEP_SUMMARY`...).
    pub fn ecsrole_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecsrole-it"));
        cmd.args(args).args(["--role-name", &self.role]);
        self.grant(args);
        let run = self.run_with(cmd, env);
        self.assert_permitted(&run);
        run
    }

    /// Runs `program` (not ecsrole: a script that runs it) in this context's isolated
    /// environment, with `env` on top.
    pub fn other(&self, program: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = Command::new(program);
        cmd.args(args);
        self.run_with(cmd, env)
    }

    pub fn ecsrole(&self, args: &[&str]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecsrole-it"));
        cmd.args(args).args(["--role-name", &self.role]);
        self.grant(args);
        let run = self.run(cmd);
        self.assert_permitted(&run);
        run
    }

    /// Through a proxy: from now on, only the calls the permission table grants the
    /// command in `args` are answered.
    fn grant(&self, args: &[&str]) {
        use ecsrole_core::command::Command as P;
        use ecsrole_core::permissions::called_by;
        let Some(proxy) = &self.proxy else { return };
        let command = args.iter().find_map(|a| P::parse(a));
        let mut granted: std::collections::BTreeSet<String> = command
            .into_iter()
            .flat_map(called_by)
            .map(str::to_owned)
            .collect();
        if args
            .iter()
            .any(|a| ["--account", "--accounts", "--organization", "--ou"].contains(a))
        {
            granted.extend(called_by(P::Fleet).map(str::to_owned));
        }
        proxy.grant(command.map_or("(no command)", P::as_str), granted);
    }

    /// Fails the test when the last run called an action its command's table lacks.
    pub fn assert_permitted(&self, run: &Run) {
        if let Some(proxy) = &self.proxy {
            let violations = proxy.take_violations();
            assert!(
                violations.is_empty(),
                "ecsrole called actions missing from crates/core/src/permissions.rs: {violations:?}\n{run:?}"
            );
        }
    }

    /// Starts `ecsrole ARGS --role-name <role>` with stdout and stderr piped.
    pub fn spawn(&self, args: &[&str]) -> std::process::Child {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecsrole-it"));
        cmd.args(args).args(["--role-name", &self.role]);
        self.grant(args);
        self.isolate(&mut cmd);
        cmd.stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("start ecsrole")
    }

    /// Runs ecsrole with exactly these arguments (no role name added).
    pub fn ecsrole_raw(&self, args: &[&str]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecsrole-it"));
        cmd.args(args);
        self.grant(args);
        let run = self.run(cmd);
        self.assert_permitted(&run);
        run
    }

    /// Runs a command line as ecsrole printed it (`ecsrole plan --role-name ...`), through
    /// `sh` (so its quoting is the shell's), `ecsrole` being the binary under test.
    pub fn run_printed(&self, line: &str) -> Run {
        assert!(
            line.starts_with("ecsrole "),
            "not an ecsrole command: {line}"
        );
        let mut cmd = Command::new("/bin/sh");
        cmd.arg("-c")
            .arg(format!("ecsrole() {{ \"$ECSROLE_BIN\" \"$@\"; }}; {line}"));
        self.run_with(cmd, &[("ECSROLE_BIN", env!("CARGO_BIN_EXE_ecsrole-it"))])
    }

    /// Runs ecsrole with exactly these arguments in directory `dir`.
    pub fn ecsrole_in(&self, dir: &Path, args: &[&str]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecsrole-it"));
        cmd.args(args).current_dir(dir);
        self.run(cmd)
    }

    /// A fresh directory of this test's own under the system temp dir.
    pub fn temp_dir(&self) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("ecsrole-it-{}", self.role));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}

/// Runs an ecsrole process pointed at `endpoint` with nothing of the caller's AWS setup.
pub fn run_isolated(mut cmd: Command, endpoint: &str) -> Run {
    isolate(&mut cmd, endpoint);
    let out = cmd.output().expect("run ecsrole");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Points a command at `endpoint`, cleared of the caller's AWS settings.
pub fn isolate(cmd: &mut Command, endpoint: &str) {
    cmd.env_clear()
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/nonexistent/ecsrole-it/config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/ecsrole-it/credentials",
        )
        .env("NO_COLOR", "1");
}
