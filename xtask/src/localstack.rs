//! LocalStack, the second emulator backend (IAM, STS and EC2; Batch only in LocalStack
//! Pro).
//!
//! - With a reachable Docker engine: the `localstack/localstack` image through
//!   testcontainers (`testcontainers-modules`, feature `localstack`), or LocalStack Pro when
//!   `LOCALSTACK_AUTH_TOKEN` is set. That code is behind xtask's `docker` feature, so
//!   machines without Docker never compile it; xtask re-runs itself with the feature when
//!   it finds an engine.
//! - Without Docker: `localstack-core` on the host, from `localstack/requirements-localstack.txt`
//!   in a venv under `.ecsrole-state/`, bound to 127.0.0.1, writing only under
//!   `.ecsrole-state/localstack/`. It needs Python >= 3.13: 2026.3.0 imports
//!   `warnings.deprecated` (measured: 3.12 fails at start-up).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::{http, state_dir};

const REQUIREMENTS: &str = "localstack/requirements-localstack.txt";
/// The oldest Python the pinned LocalStack starts on.
const MIN_PYTHON: (u32, u32) = (3, 13);

/// A running LocalStack.
pub struct LocalStack {
    pub url: String,
    pub kind: Kind,
    /// This invocation started it: it stops it when dropped (on return, error or panic;
    /// Ctrl-C and SIGKILL are covered by the watchdog of `proc`).
    pub started_here: bool,
}

impl Drop for LocalStack {
    fn drop(&mut self) {
        if self.started_here
            && read_state().is_some_and(|s| s.url == self.url)
            && let Err(e) = stop()
        {
            eprintln!("xtask: {e:#}");
        }
    }
}

pub enum Kind {
    /// Started by someone else (a CI service container): `ECSROLE_LOCALSTACK_URL`.
    External,
    Host {
        pid: u32,
    },
    Container {
        id: String,
        pro: bool,
    },
}

impl LocalStack {
    /// Does this LocalStack serve AWS Batch? Only Pro does.
    pub fn has_batch(&self) -> bool {
        matches!(self.kind, Kind::Container { pro: true, .. })
    }

    pub fn describe(&self) -> String {
        match &self.kind {
            Kind::External => format!("LocalStack at {} (ECSROLE_LOCALSTACK_URL)", self.url),
            Kind::Host { pid } => format!("LocalStack on the host at {} (pid {pid})", self.url),
            Kind::Container { id, pro } => format!(
                "LocalStack{} in Docker at {} (container {})",
                if *pro { " Pro" } else { "" },
                self.url,
                &id[..id.len().min(12)]
            ),
        }
    }
}

fn state_file() -> PathBuf {
    state_dir().join("localstack.state")
}

/// The Python to build the venv with: `$ECSROLE_LOCALSTACK_PYTHON`, else the first of
/// python3.13, python3.14, pyenv's 3.13+ and python3 that is new enough. `Err` says what
/// was looked at.
pub fn python() -> std::result::Result<PathBuf, String> {
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(p) = std::env::var_os("ECSROLE_LOCALSTACK_PYTHON") {
        candidates.push(p.into());
    }
    candidates.extend(["python3.13", "python3.14"].map(PathBuf::from));
    let pyenv = std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".pyenv")));
    if let Some(versions) = pyenv.map(|p| p.join("versions"))
        && let Ok(entries) = fs::read_dir(versions)
    {
        let mut found: Vec<PathBuf> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.path().join("bin/python3"))
            .filter(|p| p.exists())
            .collect();
        found.sort();
        candidates.extend(found);
    }
    candidates.push("python3".into());
    let mut seen = Vec::new();
    for c in candidates {
        let out = Command::new(&c)
            .args(["-c", "import sys; print(*sys.version_info[:2])"])
            .stderr(Stdio::null())
            .output();
        let Ok(out) = out else { continue };
        let text = String::from_utf8_lossy(&out.stdout);
        let mut parts = text
            .split_whitespace()
            .filter_map(|p| p.parse::<u32>().ok());
        if let (Some(major), Some(minor)) = (parts.next(), parts.next()) {
            if (major, minor) >= MIN_PYTHON {
                return Ok(c);
            }
            seen.push(format!("{} is {major}.{minor}", c.display()));
        }
    }
    Err(format!(
        "no Python >= {}.{} (set ECSROLE_LOCALSTACK_PYTHON; seen: {})",
        MIN_PYTHON.0,
        MIN_PYTHON.1,
        if seen.is_empty() {
            "none".to_owned()
        } else {
            seen.join(", ")
        }
    ))
}

fn ensure_venv(python: &Path) -> Result<PathBuf> {
    let bin = crate::venv::ensure("venv-localstack", REQUIREMENTS, python, "LocalStack")?;
    Ok(bin.join("python"))
}

fn ready(url: &str) -> bool {
    matches!(
        http::request("GET", &format!("{url}/_localstack/health"), None),
        Ok((200, body)) if body.contains("\"iam\"")
    )
}

fn is_host_localstack(pid: u32) -> bool {
    fs::read(format!("/proc/{pid}/cmdline"))
        .is_ok_and(|c| String::from_utf8_lossy(&c).contains("localstack.runtime.main"))
}

fn read_state() -> Option<LocalStack> {
    let text = fs::read_to_string(state_file()).ok()?;
    let field = |k: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(k)?.strip_prefix('=').map(str::to_owned))
    };
    let url = field("url")?;
    let kind = match (field("pid"), field("container")) {
        (Some(pid), _) => Kind::Host {
            pid: pid.parse().ok()?,
        },
        (None, Some(id)) => Kind::Container {
            id,
            pro: field("pro").as_deref() == Some("true"),
        },
        (None, None) => return None,
    };
    Some(LocalStack {
        url,
        kind,
        started_here: false,
    })
}

fn write_state(ls: &LocalStack) -> Result<()> {
    let kind = match &ls.kind {
        Kind::External => String::new(),
        Kind::Host { pid } => format!("pid={pid}\n"),
        Kind::Container { id, pro } => format!("container={id}\npro={pro}\n"),
    };
    fs::write(state_file(), format!("url={}\n{kind}", ls.url))?;
    Ok(())
}

/// The recorded LocalStack, if it is alive and answering.
fn running() -> Option<LocalStack> {
    let ls = read_state()?;
    let alive = match &ls.kind {
        Kind::Host { pid } => is_host_localstack(*pid),
        Kind::Container { .. } | Kind::External => true,
    };
    (alive && ready(&ls.url)).then_some(ls)
}

/// Where LocalStack may run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Where {
    /// In Docker when an engine answers, else on the host.
    Any,
    /// On the host only (what plain `cargo xtask test` runs).
    Host,
}

/// The running LocalStack, or a new one. `ECSROLE_LOCALSTACK_URL` names one started
/// elsewhere (a CI service container); it must be on loopback and answer.
pub fn ensure(place: Where) -> Result<LocalStack> {
    if let Ok(url) = std::env::var("ECSROLE_LOCALSTACK_URL") {
        let url = url.trim_end_matches('/').to_owned();
        if !url.starts_with("http://127.0.0.1:") {
            bail!("ECSROLE_LOCALSTACK_URL={url}: expected http://127.0.0.1:PORT");
        }
        let deadline = Instant::now() + Duration::from_secs(120);
        while !ready(&url) {
            if Instant::now() > deadline {
                bail!("ECSROLE_LOCALSTACK_URL={url} does not answer /_localstack/health with IAM");
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        return Ok(LocalStack {
            url,
            kind: Kind::External,
            started_here: false,
        });
    }
    if let Some(ls) = running()
        && (place == Where::Any || matches!(ls.kind, Kind::Host { .. }))
    {
        eprintln!("xtask: using the running {}", ls.describe());
        return Ok(ls);
    }
    start(place, false)
}

/// Starts LocalStack; `persistent`: it outlives this xtask (`cargo xtask emulator start`),
/// else it is this xtask's, stopped when the returned value is dropped.
pub fn start(place: Where, persistent: bool) -> Result<LocalStack> {
    if let Some(ls) = running() {
        if place == Where::Any || matches!(ls.kind, Kind::Host { .. }) {
            return Ok(ls);
        }
        bail!(
            "{} runs already; `cargo xtask emulator stop --backend localstack` first",
            ls.describe()
        );
    }
    fs::create_dir_all(state_dir())?;
    let ls = if place == Where::Any && docker::reachable() {
        docker::start()?
    } else {
        if place == Where::Any {
            eprintln!(
                "xtask: no Docker engine answers; LocalStack runs on the host (IAM, STS, EC2)"
            );
        }
        start_host()?
    };
    write_state(&ls)?;
    eprintln!("xtask: started {}", ls.describe());
    let mut ls = ls;
    if persistent {
        if let Kind::Host { pid } = ls.kind {
            crate::proc::release(pid);
        }
        ls.started_here = false;
    }
    Ok(ls)
}

fn start_host() -> Result<LocalStack> {
    let python = python().map_err(anyhow::Error::msg)?;
    let bin = ensure_venv(&python)?;
    let root = state_dir().join("localstack");
    let home = root.join("home");
    fs::create_dir_all(&home)?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let log_path = state_dir().join("localstack.log");
    let log = fs::File::create(&log_path)?;
    // The settings that keep it on loopback and inside the state folder
    // (docs/emulators.md): without GATEWAY_SERVER=hypercorn it listens on 0.0.0.0;
    // without OVERRIDE_IN_DOCKER and FILESYSTEM_ROOT it writes under /var/lib, /etc, /tmp.
    let mut cmd = Command::new(bin);
    cmd.args(["-m", "localstack.runtime.main"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GATEWAY_LISTEN", format!("127.0.0.1:{port}"))
        .env("GATEWAY_SERVER", "hypercorn")
        .env("SERVICES", "iam,sts,ec2,cloudformation")
        .env("DISABLE_EVENTS", "1")
        .env("SKIP_SSL_CERT_DOWNLOAD", "1")
        .env("DNS_ADDRESS", "0")
        .env("EAGER_SERVICE_LOADING", "0")
        .env("OVERRIDE_IN_DOCKER", "0")
        .env("FILESYSTEM_ROOT", &root)
        .env("HOME", &home)
        .env("TMPDIR", &root)
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    let pid =
        crate::proc::spawn_server(&mut cmd, "LocalStack").context("cannot start LocalStack")?;
    crate::wait_ready(
        pid,
        || ready(&url),
        &format!("LocalStack at {url}"),
        90,
        &log_path,
    )?;
    Ok(LocalStack {
        url,
        kind: Kind::Host { pid },
        started_here: true,
    })
}

/// Stops exactly what was recorded: the host process if it is LocalStack, or the container.
pub fn stop() -> Result<()> {
    let Some(ls) = read_state() else {
        eprintln!("xtask: no LocalStack recorded as running");
        return Ok(());
    };
    match &ls.kind {
        // LocalStack can take more than 20 s to exit after SIGTERM (its log stops at
        // "[shutdown] Stopping all services"): a short grace, then SIGKILL of its group.
        Kind::Host { pid } if is_host_localstack(*pid) => {
            crate::proc::stop_server(*pid, "LocalStack", Duration::from_secs(10))?;
        }
        Kind::Host { pid } => {
            eprintln!("xtask: pid {pid} is not LocalStack any more; forgetting it");
        }
        Kind::Container { id, .. } => docker::remove(id)?,
        Kind::External => {}
    }
    eprintln!("xtask: stopped {}", ls.describe());
    fs::remove_file(state_file())?;
    Ok(())
}

pub fn status() -> Result<()> {
    match (running(), read_state()) {
        (Some(ls), _) => println!("running: {}", ls.describe()),
        (None, Some(ls)) => println!(
            "not answering: recorded {}; `cargo xtask emulator stop --backend localstack` forgets it",
            ls.describe()
        ),
        (None, None) => println!("not running"),
    }
    Ok(())
}

pub fn print_env() -> Result<()> {
    let Some(ls) = running() else {
        bail!("LocalStack is not running: `cargo xtask emulator start --backend localstack` first");
    };
    println!("unset AWS_PROFILE AWS_SESSION_TOKEN");
    for (k, v) in crate::emulator::env_vars(&ls.url) {
        println!("export {k}={v}");
    }
    Ok(())
}

/// The Docker engine, spoken to over its socket with std only; starting containers is
/// testcontainers' job (feature `docker`).
pub mod docker {
    use std::io::{Read, Write};
    use std::os::unix::net::UnixStream;
    use std::path::PathBuf;
    use std::time::Duration;

    use anyhow::{Result, bail};

    fn socket() -> PathBuf {
        match std::env::var("DOCKER_HOST") {
            Ok(h) if h.starts_with("unix://") => PathBuf::from(&h["unix://".len()..]),
            _ => PathBuf::from("/var/run/docker.sock"),
        }
    }

    fn request(method: &str, path: &str) -> Option<String> {
        let mut s = UnixStream::connect(socket()).ok()?;
        s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
        write!(
            s,
            "{method} {path} HTTP/1.0\r\nHost: docker\r\nContent-Length: 0\r\n\r\n"
        )
        .ok()?;
        let mut out = String::new();
        s.read_to_string(&mut out).ok()?;
        Some(out)
    }

    /// Does a Docker engine answer `/_ping` on its socket?
    pub fn reachable() -> bool {
        if std::env::var("DOCKER_HOST").is_ok_and(|h| !h.starts_with("unix://")) {
            // A TCP engine: leave the probing to testcontainers.
            return true;
        }
        request("GET", "/_ping").is_some_and(|r| r.starts_with("HTTP/1.") && r.ends_with("OK"))
    }

    pub fn remove(id: &str) -> Result<()> {
        match request("DELETE", &format!("/containers/{id}?force=true")) {
            Some(r)
                if r.split_whitespace()
                    .nth(1)
                    .is_some_and(|c| c.starts_with('2')) =>
            {
                Ok(())
            }
            Some(r) if r.contains(" 404 ") => Ok(()),
            other => bail!("removing container {id} failed: {other:?}"),
        }
    }

    /// Starts LocalStack (Pro when `LOCALSTACK_AUTH_TOKEN` is set) through testcontainers,
    /// and leaves it running: `stop` removes it by id.
    #[cfg(feature = "docker")]
    pub fn start() -> Result<super::LocalStack> {
        use testcontainers_modules::localstack::{LocalStack, LocalStackPro};
        use testcontainers_modules::testcontainers::ImageExt;
        use testcontainers_modules::testcontainers::runners::SyncRunner;

        let pro = std::env::var_os("LOCALSTACK_AUTH_TOKEN").is_some();
        let services = if pro {
            "iam,sts,ec2,cloudformation,batch,ecs"
        } else {
            "iam,sts,ec2,cloudformation"
        };
        let (id, port) = if pro {
            let c = LocalStackPro::default()
                .with_env_var("SERVICES", services)
                .start()?;
            let out = (c.id().to_owned(), c.get_host_port_ipv4(4566)?);
            std::mem::forget(c);
            out
        } else {
            let c = LocalStack::default()
                .with_env_var("SERVICES", services)
                .start()?;
            let out = (c.id().to_owned(), c.get_host_port_ipv4(4566)?);
            std::mem::forget(c);
            out
        };
        Ok(super::LocalStack {
            url: format!("http://127.0.0.1:{port}"),
            kind: super::Kind::Container { id, pro },
            started_here: true,
        })
    }

    /// Without the `docker` feature (main re-runs xtask with it before getting here).
    #[cfg(not(feature = "docker"))]
    pub fn start() -> Result<super::LocalStack> {
        bail!(
            "a Docker engine answers but this xtask was built without testcontainers: \
             `cargo run -p xtask --features docker -- emulator start --backend localstack`"
        )
    }
}
