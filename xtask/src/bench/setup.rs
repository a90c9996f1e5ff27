//! What the bench runs, and where: its binaries, scripts and load, the AWS CLI, and the
//! machine's memory and a process's CPU.

#[allow(unused_imports)]
use super::*;

/// What the bench runs, and where.
pub(super) struct Bench {
    pub(super) ecsrole: PathBuf,
    pub(super) load: PathBuf,
    /// `PATH` with the AWS CLI venv first.
    pub(super) path: String,
    pub(super) python: PathBuf,
    pub(super) role: String,
    pub(super) fleet_log: PathBuf,
}

impl Bench {
    pub(super) fn ecsrole(&self, url: &str, args: &[&str]) -> Command {
        let mut c = Command::new(&self.ecsrole);
        c.args(args);
        emulator::point_at(&mut c, url);
        c
    }

    pub(super) fn load(&self, url: &str, mode: &str, args: &[&str]) -> Command {
        let mut c = Command::new(&self.load);
        c.args([mode, "--endpoint", url, "--role", &self.role])
            .args(args);
        emulator::point_at(&mut c, url);
        c
    }

    /// An anchor script from `localstack/bench/` on `role`, run by `program`.
    pub(super) fn script(&self, url: &str, program: &Path, name: &str, role: &str) -> Command {
        let mut c = Command::new(program);
        c.arg(project_root().join("localstack/bench").join(name))
            .arg(role);
        emulator::point_at(&mut c, url);
        c.env("PATH", &self.path)
            .env("AWS_PAGER", "")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("AWS_CONFIG_FILE", "/dev/null");
        c
    }

    /// `ecsrole COMMAND --accounts FILE` at `CLIENTS` accounts in flight, JSON lines out.
    pub(super) fn fleet(&self, url: &str, command: &str, file: &Path) -> Result<Run> {
        let clients = CLIENTS.to_string();
        let mut c = self.ecsrole(url, &[command, "--output", "json"]);
        c.args(["--concurrency", &clients, "--role-name", &self.role])
            .arg("--accounts")
            .arg(file);
        measure(c, &self.fleet_log)
    }

    /// The load's JSON line, and its failure if any answer was not 2xx.
    pub(super) fn load_result(run: &Run) -> Result<(String, Option<String>)> {
        let line = last_line(&run.stdout);
        let field =
            |k| json::field(line, k).with_context(|| format!("{}: no {k} in {line:?}", run.shown));
        let errors: u64 = field("errors")?.parse()?;
        let failure = (errors > 0).then(|| {
            let first = field("first_error")
                .ok()
                .and_then(json::string)
                .unwrap_or_default();
            format!("FAILED (the signed load had {errors} error(s): {first})")
        });
        Ok((line.to_owned(), failure))
    }

    /// The role and its profile in `accounts` (`FIRST..END`) on the moto at `url`.
    pub(super) fn setup(&self, url: &str, accounts: &str) -> Result<()> {
        let clients = CLIENTS.to_string();
        let run = measure(
            self.load(
                url,
                "setup",
                &["--accounts", accounts, "--clients", &clients],
            ),
            &self.fleet_log,
        )?
        .expect(&[0])?;
        if let (_, Some(failure)) = Bench::load_result(&run)? {
            bail!("setting up accounts {accounts}: {failure}");
        }
        Ok(())
    }

    /// `work` against a moto of its own (`managed_policies`: it loads the AWS managed
    /// policies into every new account), warmed (its STS and IAM code load on their first
    /// request) in an account nothing measures; stopped after.
    pub(super) fn on_fresh_moto<T>(
        &self,
        managed_policies: bool,
        work: impl FnOnce(&str) -> Result<T>,
    ) -> Result<T> {
        self.on_fresh_moto_cpu(managed_policies, |url, _| work(url))
    }

    /// Like `on_fresh_moto`; `work` also gets moto's pid, to read its CPU time.
    pub(super) fn on_fresh_moto_cpu<T>(
        &self,
        managed_policies: bool,
        work: impl FnOnce(&str, u32) -> Result<T>,
    ) -> Result<T> {
        let (pgid, url) = emulator::spawn(&self.fleet_log, managed_policies)?;
        // Stopped (and reaped) on every way out, a panic included.
        let _stop = crate::proc::OnDrop(move || {
            let _ = crate::proc::stop_group(pgid, "bench moto server", Duration::from_secs(5));
        });
        self.setup(&url, "100000000000..100000000001")
            .and_then(|()| work(&url, pgid))
    }
}

pub(super) fn ensure_awscli() -> Result<PathBuf> {
    crate::venv::ensure(
        "venv-awscli",
        "localstack/requirements-awscli.txt",
        &crate::venv::default_python(),
        "the AWS CLI and boto3",
    )
}

/// `MemAvailable` of `/proc/meminfo`, in MB.
pub(super) fn available_mb() -> Option<u64> {
    let info = fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}

/// User plus system CPU seconds of process `pid` so far (Linux `/proc`, 100 ticks a second).
pub(super) fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name (which may hold spaces) in parentheses.
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let (utime, stime): (f64, f64) = (f.get(11)?.parse().ok()?, f.get(12)?.parse().ok()?);
    Some((utime + stime) / 100.0)
}
