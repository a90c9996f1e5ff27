//! moto server, installed into a venv the project owns and started on 127.0.0.1.

use std::fs;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail};

use crate::{http, state_dir};

const REQUIREMENTS: &str = "localstack/requirements-moto.txt";
/// How long moto gets to exit after SIGTERM before SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(5);

pub struct Emulator {
    pub url: String,
    pub pid: u32,
    /// This invocation started it: it stops it when dropped (on return, error or panic;
    /// Ctrl-C and SIGKILL are covered by the watchdog of `proc`).
    pub started_here: bool,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if self.started_here
            && read_state().is_some_and(|(pid, _)| pid == self.pid)
            && let Err(e) = stop()
        {
            eprintln!("xtask: {e:#}");
        }
    }
}

fn state_file() -> PathBuf {
    state_dir().join("moto.state")
}

/// The moto venv (built once per requirements change); returns `moto_server`.
pub fn ensure_venv() -> Result<PathBuf> {
    let bin = crate::venv::ensure(
        "venv-moto",
        REQUIREMENTS,
        &crate::venv::default_python(),
        "moto server",
    )?;
    Ok(bin.join("moto_server"))
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn read_state() -> Option<(u32, String)> {
    let text = fs::read_to_string(state_file()).ok()?;
    let mut pid = None;
    let mut url = None;
    for line in text.lines() {
        match line.split_once('=') {
            Some(("pid", v)) => pid = v.parse().ok(),
            Some(("url", v)) => url = Some(v.to_owned()),
            _ => {}
        }
    }
    Some((pid?, url?))
}

/// Is `pid` a moto server (not a recycled PID)?
fn is_moto(pid: u32) -> bool {
    fs::read(format!("/proc/{pid}/cmdline"))
        .is_ok_and(|c| String::from_utf8_lossy(&c).contains("moto_server"))
}

fn ready(url: &str) -> bool {
    matches!(
        http::request("GET", &format!("{url}/moto-api/"), None),
        Ok((200, _))
    )
}

/// The recorded emulator, if it is alive and answering.
fn running() -> Option<Emulator> {
    let (pid, url) = read_state()?;
    (is_moto(pid) && ready(&url)).then_some(Emulator {
        url,
        pid,
        started_here: false,
    })
}

/// The running emulator, or a new one owned by this xtask (stopped when dropped).
pub fn ensure() -> Result<Emulator> {
    match running() {
        Some(e) => {
            eprintln!("xtask: using the running moto server at {}", e.url);
            Ok(e)
        }
        None => start(false),
    }
}

/// Starts a moto server on a free 127.0.0.1 port, logging to `log_path`, and waits until
/// it answers. `managed_policies`: load AWS managed policies (slow for every new account).
pub fn spawn(log_path: &std::path::Path, managed_policies: bool) -> Result<(u32, String)> {
    let server = ensure_venv()?;
    let port = free_port()?;
    let url = format!("http://127.0.0.1:{port}");
    let log = fs::File::create(log_path)?;
    let pgid = crate::proc::spawn_server(
        Command::new(server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env(
                "MOTO_IAM_LOAD_MANAGED_POLICIES",
                if managed_policies { "true" } else { "false" },
            )
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log),
        "moto server",
    )
    .context("cannot start moto_server")?;
    crate::wait_ready(
        pgid,
        || ready(&url),
        &format!("moto server at {url}"),
        60,
        log_path,
    )?;
    Ok((pgid, url))
}

/// Starts moto server; `persistent`: it outlives this xtask (`cargo xtask emulator start`),
/// else it is this xtask's, stopped when the returned value is dropped.
pub fn start(persistent: bool) -> Result<Emulator> {
    if let Some(e) = running() {
        return Ok(e);
    }
    fs::create_dir_all(state_dir())?;
    let log_path = state_dir().join("moto.log");
    let (pid, url) = spawn(&log_path, true)?;
    // Batch jobs run in Docker by default and fail without it: switch that off.
    let (status, body) = http::request(
        "POST",
        &format!("{url}/moto-api/config"),
        Some(r#"{"batch": {"use_docker": false}}"#),
    )?;
    if !(200..300).contains(&status) {
        bail!("configuring moto failed: HTTP {status}: {body}");
    }
    fs::write(
        state_file(),
        format!("pid={}\nurl={url}\nlog={}\n", pid, log_path.display()),
    )?;
    eprintln!(
        "xtask: moto server started at {url} (pid {}, log {})",
        pid,
        log_path.display()
    );
    if persistent {
        crate::proc::release(pid);
    }
    Ok(Emulator {
        url,
        pid,
        started_here: !persistent,
    })
}

/// Stops exactly the recorded PID, and only if it is a moto server.
pub fn stop() -> Result<()> {
    let Some((pid, url)) = read_state() else {
        eprintln!("xtask: no emulator recorded as running");
        return Ok(());
    };
    if is_moto(pid) {
        crate::proc::stop_server(pid, &format!("moto server at {url}"), STOP_GRACE)?;
    } else {
        eprintln!("xtask: pid {pid} is not a moto server any more; forgetting it");
    }
    fs::remove_file(state_file())?;
    Ok(())
}

pub fn status() -> Result<()> {
    match (running(), read_state()) {
        (Some(e), _) => println!("running: {} (pid {})", e.url, e.pid),
        (None, Some((pid, url))) => println!(
            "not answering: recorded {url} (pid {pid}); `cargo xtask emulator stop` forgets it"
        ),
        (None, None) => println!("not running"),
    }
    Ok(())
}

/// The environment that points ecsrole (or any AWS SDK or CLI) at the emulator, with
/// credentials that only the emulator accepts. Nothing here reaches real AWS.
pub fn env_vars(url: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ENDPOINT_URL", url.to_owned()),
        ("AWS_ACCESS_KEY_ID", "testing".into()),
        ("AWS_SECRET_ACCESS_KEY", "testing".into()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
    ]
}

/// Points a child process at the emulator, shielded from the caller's AWS profile.
pub fn point_at(cmd: &mut Command, url: &str) {
    cmd.env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN");
    cmd.envs(env_vars(url));
}

pub fn print_env() -> Result<()> {
    let Some(e) = running() else {
        bail!("no emulator is running: `cargo xtask emulator start` first");
    };
    println!("unset AWS_PROFILE AWS_SESSION_TOKEN");
    for (k, v) in env_vars(&e.url) {
        println!("export {k}={v}");
    }
    Ok(())
}
