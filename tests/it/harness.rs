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
    proxy: Option<crate::proxy::Proxy>,
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

/// A moto server of a test's own (`ECSROLE_TEST_MOTO_SERVER`, set by `cargo xtask test`),
/// for work that would slow every other test on the shared one; killed when dropped.
pub struct OwnMoto {
    pub url: String,
    child: std::process::Child,
}

impl OwnMoto {
    /// `None` (the caller prints why and skips) without `ECSROLE_TEST_MOTO_SERVER`.
    pub fn start(managed_policies: bool) -> Option<OwnMoto> {
        let server = std::env::var_os("ECSROLE_TEST_MOTO_SERVER")?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        // Behind a watchdog: moto goes when the test process goes, however it ends.
        let child = Command::new("bash")
            .args(["-c", OWN_MOTO, "ecsrole-test-moto"])
            .arg(server)
            .arg(port.to_string())
            .arg(std::process::id().to_string())
            .arg(if managed_policies { "true" } else { "false" })
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start moto_server");
        let moto = OwnMoto {
            url: format!("http://127.0.0.1:{port}"),
            child,
        };
        for _ in 0..300 {
            if moto_answers(port) {
                return Some(moto);
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("moto server on port {port} did not answer within 30s");
    }
}

fn moto_answers(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(std::time::Duration::from_secs(2)));
    // The status line is enough (the server may keep the connection open).
    let mut status = [0u8; 12];
    s.write_all(b"GET /moto-api/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .is_ok()
        && s.read_exact(&mut status).is_ok()
        && status.ends_with(b" 200")
}

/// `$1` moto_server, `$2` port, `$3` the test process, `$4` load managed policies.
const OWN_MOTO: &str = r#"
MOTO_IAM_LOAD_MANAGED_POLICIES=$4 "$1" -H 127.0.0.1 -p "$2" >/dev/null 2>&1 &
m=$!
trap 'kill -9 $m 2>/dev/null; wait $m 2>/dev/null; exit 0' TERM
trap 'kill -9 $m 2>/dev/null; wait $m 2>/dev/null' EXIT
while kill -0 "$3" 2>/dev/null && kill -0 "$m" 2>/dev/null; do sleep 0.5; done
"#;

impl Drop for OwnMoto {
    fn drop(&mut self) {
        // The watchdog kills moto at once (its state is thrown away), reaps it (no
        // `<defunct>` left for `ps` to show) and exits.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

/// Makes the default VPC of the account `ec2` acts in look like AWS's: a real default VPC
/// has an internet gateway and a `0.0.0.0/0` route to it in its main route table, and
/// its default subnets give public IPv4 addresses on launch; moto's and LocalStack's has
/// only the `local` route (../shared/EMULATORS.md), so every default-subnet environment
/// would be `subnet_no_route_out`. Idempotent; concurrent callers may both create a
/// gateway: the second attach or route fails and is ignored.
pub async fn aws_like_default_vpc(ec2: &ecsrole_batch::ec2::Ec2) {
    let vpc = ec2
        .query_texts(
            "ec2:DescribeVpcs",
            &[("Filter.1.Name", "isDefault"), ("Filter.1.Value.1", "true")],
            &["DescribeVpcsResponse", "vpcSet", "item", "vpcId"],
        )
        .await
        .unwrap();
    let Some(vpc) = vpc.first() else { return };
    let main = [
        ("Filter.1.Name", "vpc-id"),
        ("Filter.1.Value.1", vpc.as_str()),
        ("Filter.2.Name", "association.main"),
        ("Filter.2.Value.1", "true"),
    ];
    let set = ["DescribeRouteTablesResponse", "routeTableSet", "item"];
    let table = ec2
        .query_texts(
            "ec2:DescribeRouteTables",
            &main,
            &[set[0], set[1], set[2], "routeTableId"],
        )
        .await
        .unwrap();
    let routes = ec2
        .query_texts(
            "ec2:DescribeRouteTables",
            &main,
            &[
                set[0],
                set[1],
                set[2],
                "routeSet",
                "item",
                "destinationCidrBlock",
            ],
        )
        .await
        .unwrap();
    let Some(table) = table.first() else { return };
    if routes.iter().any(|r| r == "0.0.0.0/0") {
        return;
    }
    let attached = ec2
        .query_texts(
            "ec2:DescribeInternetGateways",
            &[
                ("Filter.1.Name", "attachment.vpc-id"),
                ("Filter.1.Value.1", vpc.as_str()),
            ],
            &[
                "DescribeInternetGatewaysResponse",
                "internetGatewaySet",
                "item",
                "internetGatewayId",
            ],
        )
        .await
        .unwrap();
    let igw = match attached.first() {
        Some(igw) => igw.clone(),
        None => {
            let igw = ec2
                .query_texts(
                    "ec2:CreateInternetGateway",
                    &[],
                    &[
                        "CreateInternetGatewayResponse",
                        "internetGateway",
                        "internetGatewayId",
                    ],
                )
                .await
                .unwrap()
                .remove(0);
            let _ = ec2
                .query_texts(
                    "ec2:AttachInternetGateway",
                    &[("InternetGatewayId", igw.as_str()), ("VpcId", vpc.as_str())],
                    &["AttachInternetGatewayResponse", "return"],
                )
                .await;
            igw
        }
    };
    let _ = ec2
        .query_texts(
            "ec2:CreateRoute",
            &[
                ("RouteTableId", table.as_str()),
                ("DestinationCidrBlock", "0.0.0.0/0"),
                ("GatewayId", igw.as_str()),
            ],
            &["CreateRouteResponse", "return"],
        )
        .await;
}

/// Launches an instance (tagged `ecsrole:verify-run=RUN` when `run` is given, with the
/// instance profile `profile`), as Batch would: its id.
pub async fn run_instance(
    ec2: &ecsrole_batch::ec2::Ec2,
    run: Option<&str>,
    profile: Option<&str>,
) -> String {
    let mut params = vec![
        ("ImageId", "ami-03cf127a"),
        ("MinCount", "1"),
        ("MaxCount", "1"),
        ("InstanceType", "t2.micro"),
    ];
    if let Some(run) = run {
        params.extend([
            ("TagSpecification.1.ResourceType", "instance"),
            ("TagSpecification.1.Tag.1.Key", "ecsrole:verify-run"),
            ("TagSpecification.1.Tag.1.Value", run),
        ]);
    }
    if let Some(p) = profile {
        params.push(("IamInstanceProfile.Arn", p));
    }
    ec2.query_texts(
        "ec2:RunInstances",
        &params,
        &["RunInstancesResponse", "instancesSet", "item", "instanceId"],
    )
    .await
    .unwrap()
    .remove(0)
}

/// Instance profile `name`'s ARN.
pub async fn profile_arn_of(iam: &Client, name: &str) -> String {
    iam.get_instance_profile()
        .instance_profile_name(name)
        .send()
        .await
        .unwrap()
        .instance_profile()
        .unwrap()
        .arn()
        .to_owned()
}

/// The ECS cluster Batch made for compute environment `ce` (name or ARN).
pub async fn cluster_of(batch: &aws_sdk_batch::Client, ce: &str) -> String {
    batch
        .describe_compute_environments()
        .compute_environments(ce)
        .send()
        .await
        .unwrap()
        .compute_environments()[0]
        .ecs_cluster_arn()
        .unwrap()
        .to_owned()
}

/// Registers `instance` in `cluster`, as its ECS agent would.
pub async fn register_instance(ecs: &aws_sdk_ecs::Client, cluster: &str, instance: &str) {
    ecs.register_container_instance()
        .cluster(cluster)
        .instance_identity_document(format!(r#"{{"instanceId": "{instance}"}}"#))
        .send()
        .await
        .unwrap();
}

/// A VPC of its own with one subnet whose route table holds only the `local` route, and a
/// security group (all out): instances there cannot reach ECS.
pub struct ClosedNetwork {
    pub vpc: String,
    pub subnet: String,
    pub group: String,
    /// The VPC's main route table (the subnet's).
    pub table: String,
}

pub async fn closed_network(ec2: &ecsrole_batch::ec2::Ec2) -> ClosedNetwork {
    let one = |action: &'static str,
               params: Vec<(&'static str, String)>,
               path: Vec<&'static str>| async move {
        let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let got = ec2.query_texts(action, &params, &path).await.unwrap();
        got.into_iter()
            .next()
            .unwrap_or_else(|| panic!("{action}: nothing at {path:?}"))
    };
    let vpc = one(
        "ec2:CreateVpc",
        vec![("CidrBlock", "10.9.0.0/16".into())],
        vec!["CreateVpcResponse", "vpc", "vpcId"],
    )
    .await;
    let subnet = one(
        "ec2:CreateSubnet",
        vec![("VpcId", vpc.clone()), ("CidrBlock", "10.9.1.0/24".into())],
        vec!["CreateSubnetResponse", "subnet", "subnetId"],
    )
    .await;
    let group = one(
        "ec2:CreateSecurityGroup",
        vec![
            ("VpcId", vpc.clone()),
            ("GroupName", format!("closed-{vpc}")),
            ("GroupDescription", "closed".into()),
        ],
        vec!["CreateSecurityGroupResponse", "groupId"],
    )
    .await;
    let table = one(
        "ec2:DescribeRouteTables",
        vec![
            ("Filter.1.Name", "vpc-id".into()),
            ("Filter.1.Value.1", vpc.clone()),
        ],
        vec![
            "DescribeRouteTablesResponse",
            "routeTableSet",
            "item",
            "routeTableId",
        ],
    )
    .await;
    ClosedNetwork {
        vpc,
        subnet,
        group,
        table,
    }
}

static DEFAULT_VPC: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();

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
    pub async fn proxied(test: &str) -> (Ctx, crate::proxy::Proxy) {
        let mut ctx = Ctx::new(test).await;
        let proxy = crate::proxy::Proxy::start(&ctx.endpoint).await;
        ctx.endpoint = proxy.url.clone();
        ctx.proxy = Some(proxy.clone());
        (ctx, proxy)
    }

    /// From now on ecsrole talks to the emulator through a fault-injecting proxy, as for
    /// `proxied` (for a context made by `in_account`); the test's own clients do not.
    pub async fn through_proxy(&mut self) -> crate::proxy::Proxy {
        let proxy = crate::proxy::Proxy::start(&self.endpoint).await;
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

    /// Snapshot settings that redact this test's unique names and the emulator's ids.
    pub fn settings(&self) -> insta::Settings {
        let mut s = insta::Settings::clone_current();
        s.set_prepend_module_to_snapshot(false);
        s.add_filter(&regex_escape(&self.role), "[ROLE]");
        s.add_filter(&regex_escape(&self.endpoint), "[ENDPOINT]");
        // Free LocalStack has no Batch: destroy says so there (the test that snapshots it
        // asserts the line on that backend); the snapshot is the backends' common part.
        s.add_filter(r"(?m)^note: \S+ has no Batch API \(HTTP 501\)[^\n]*\n", "");
        // UUIDs first: the last group of one can be 12 digits, which the account filter
        // would take.
        s.add_filter(
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b",
            "[UUID]",
        );
        s.add_filter(r"\b\d{12}\b", "[ACCOUNT]");
        s.add_filter(r"\bARO[A-Z0-9]{12,}\b", "[ROLE_ID]");
        s.add_filter(r"\bAIP[A-Z0-9]{12,}\b", "[PROFILE_ID]");
        s.add_filter(
            r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?",
            "[DATE]",
        );
        s.add_filter(r"(?i)request id: [0-9a-z-]+", "request id: [REQUEST_ID]");
        // verify: run ids, generated ids, timings.
        s.add_filter(r"\b(subnet|sg|vpc)-[0-9a-f]{8,17}\b", "$1-[ID]");
        s.add_filter(r"\b[0-9a-f]{10}\b", "[RUN_ID]");
        s.add_filter(r#""elapsed_ms": \d+"#, r#""elapsed_ms": "[MS]""#);
        s.add_filter(r"\b\d+\.\ds\b", "[S]");
        // How long a level waited: its share of --timeout left, which depends on the load.
        s.add_filter(r"within \d+s\b", "within [S]");
        s
    }

    pub fn trust_ec2() -> &'static str {
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#
    }

    /// Creates the role directly through IAM (not through ecsrole), untagged unless asked.
    pub async fn create_role(&self, trust: &str, tags: &[(&str, &str)]) {
        let tags = tags
            .iter()
            .map(|(k, v)| Tag::builder().key(*k).value(*v).build().unwrap())
            .collect();
        self.iam
            .create_role()
            .role_name(&self.role)
            .assume_role_policy_document(trust)
            .set_tags(Some(tags))
            .send()
            .await
            .unwrap();
    }

    pub async fn attach(&self, arn: &str) {
        self.iam
            .attach_role_policy()
            .role_name(&self.role)
            .policy_arn(arn)
            .send()
            .await
            .unwrap();
    }

    pub async fn create_profile(&self, name: &str, role: Option<&str>) {
        self.iam
            .create_instance_profile()
            .instance_profile_name(name)
            .send()
            .await
            .unwrap();
        if let Some(role) = role {
            self.iam
                .add_role_to_instance_profile()
                .instance_profile_name(name)
                .role_name(role)
                .send()
                .await
                .unwrap();
        }
    }

    /// A correct role, attached policy and profile, all made directly through IAM.
    pub async fn create_compliant(&self, tags: &[(&str, &str)]) {
        self.create_role(Self::trust_ec2(), tags).await;
        self.attach(ECS_POLICY).await;
        self.create_profile(&self.role, Some(&self.role)).await;
    }

    /// What the emulator holds, read directly: (trust policy JSON, attached ARNs, profile
    /// roles). "Gone" is IAM's NoSuchEntity and nothing else: any other failed read panics,
    /// so a "deleted" assertion cannot pass on an emulator that stopped answering.
    pub async fn state(&self) -> State {
        let role = gone_is_none(
            "GetRole",
            self.iam.get_role().role_name(&self.role).send().await,
        );
        let role = role.and_then(|r| r.role);
        let policies = gone_is_none(
            "ListAttachedRolePolicies",
            self.iam
                .list_attached_role_policies()
                .role_name(&self.role)
                .send()
                .await,
        )
        .map(|o| {
            o.attached_policies()
                .iter()
                .filter_map(|p| p.policy_arn().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
        let profile = gone_is_none(
            "GetInstanceProfile",
            self.iam
                .get_instance_profile()
                .instance_profile_name(&self.role)
                .send()
                .await,
        )
        .and_then(|o| o.instance_profile);
        State {
            trust: role.as_ref().map(|r| {
                let raw = r.assume_role_policy_document().unwrap_or_default();
                let decoded = percent_encoding::percent_decode_str(raw)
                    .decode_utf8()
                    .unwrap();
                serde_json::from_str(&decoded).unwrap()
            }),
            role_tags: role.as_ref().map(|r| tag_pairs(r.tags())),
            role_path: role.as_ref().map(|r| r.path().to_owned()),
            policies,
            profile_roles: profile
                .as_ref()
                .map(|p| p.roles().iter().map(|r| r.role_name().to_owned()).collect()),
            profile_tags: profile.as_ref().map(|p| tag_pairs(p.tags())),
        }
    }
}

/// `Some` for an answer, `None` for IAM's NoSuchEntity; any other error panics, naming it.
pub fn gone_is_none<T, E>(action: &str, result: Result<T, SdkError<E>>) -> Option<T>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match result {
        Ok(v) => Some(v),
        Err(e) if e.code() == Some("NoSuchEntity") => None,
        Err(e) => panic!(
            "iam:{action} failed, so the state is unknown (not gone): {}",
            aws_smithy_types::error::display::DisplayErrorContext(&e)
        ),
    }
}

pub const ECS_POLICY: &str =
    "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role";

#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub trust: Option<serde_json::Value>,
    pub role_tags: Option<Vec<(String, String)>>,
    pub role_path: Option<String>,
    pub policies: Vec<String>,
    pub profile_roles: Option<Vec<String>>,
    pub profile_tags: Option<Vec<(String, String)>>,
}

fn tag_pairs(tags: &[Tag]) -> Vec<(String, String)> {
    tags.iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect()
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if "\\.+*?()|[]{}^$".contains(c) {
                vec!['\\', c]
            } else {
                vec![c]
            }
        })
        .collect()
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
