//! The servers xtask starts (moto, LocalStack on the host): each runs in a process group of
//! its own, is stopped as a group (SIGTERM, a grace period, then SIGKILL), and is watched so
//! that none outlives the xtask that owns it: not after an error, a panic, Ctrl-C or even
//! SIGKILL of xtask.
//!
//! The watch is a tiny `bash` loop in a process group of its own (so the terminal's Ctrl-C
//! does not reach it): while xtask lives it sleeps; once xtask is gone it stops the
//! server's group. A server that is meant to outlive xtask (`cargo xtask emulator start`)
//! is released from its watch.
//!
//! xtask keeps each server's `Child` and reaps it once stopped, so that no `<defunct>` entry
//! is left for `ps` to show.
//!
//! Std only: signals are sent with `kill`, groups are read from `/proc`.

use std::collections::HashMap;
use std::io;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Servers started by this xtask and owned by it, by process group id (a released one
/// leaves the list).
static STARTED: Mutex<Vec<(u32, String)>> = Mutex::new(Vec::new());
static WATCHDOGS: Mutex<Option<HashMap<u32, Child>>> = Mutex::new(None);
/// The servers' own handles, by process group id: reaped once stopped.
static SERVERS: Mutex<Option<HashMap<u32, Child>>> = Mutex::new(None);

/// The watchdog: `$1` is xtask's pid, `$2` the server's process group.
const WATCHDOG: &str = r#"
while kill -0 "$1" 2>/dev/null; do sleep 0.5; done
kill -TERM -- "-$2" 2>/dev/null || exit 0
for _ in $(seq 20); do kill -0 -- "-$2" 2>/dev/null || exit 0; sleep 0.5; done
kill -KILL -- "-$2" 2>/dev/null
"#;

/// Starts `cmd` as the leader of a new process group, watched on xtask's behalf; returns
/// its process group id (its pid).
pub fn spawn_server(cmd: &mut Command, what: &str) -> io::Result<u32> {
    let child = cmd.process_group(0).spawn()?;
    let pgid = child.id();
    SERVERS
        .lock()
        .expect("servers lock")
        .get_or_insert_default()
        .insert(pgid, child);
    STARTED
        .lock()
        .expect("started lock")
        .push((pgid, what.to_owned()));
    let watchdog = Command::new("bash")
        .args(["-c", WATCHDOG, "ecsrole-xtask-watchdog"])
        .arg(std::process::id().to_string())
        .arg(pgid.to_string())
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    match watchdog {
        Ok(w) => {
            WATCHDOGS
                .lock()
                .expect("watchdogs lock")
                .get_or_insert_default()
                .insert(pgid, w);
        }
        Err(e) => eprintln!("xtask: warning: cannot watch {what} (pid {pgid}): {e}"),
    }
    Ok(pgid)
}

/// How the server of group `pgid` exited, if it did (`None` while it runs, or when it is
/// not one this xtask holds).
pub fn exited(pgid: u32) -> io::Result<Option<ExitStatus>> {
    match SERVERS
        .lock()
        .expect("servers lock")
        .as_mut()
        .and_then(|m| m.get_mut(&pgid))
    {
        Some(child) => child.try_wait(),
        None => Ok(None),
    }
}

/// Reaps the stopped server of group `pgid` (its process is dead: `wait` returns at once).
fn reap(pgid: u32) {
    let child = SERVERS
        .lock()
        .expect("servers lock")
        .as_mut()
        .and_then(|m| m.remove(&pgid));
    if let Some(mut child) = child {
        let _ = child.wait();
    }
}

/// The server in group `pgid` is to outlive xtask: stop watching it.
pub fn release(pgid: u32) {
    unwatch(pgid);
    // Its handle goes without a wait: the server runs on.
    SERVERS
        .lock()
        .expect("servers lock")
        .as_mut()
        .and_then(|m| m.remove(&pgid));
    STARTED
        .lock()
        .expect("started lock")
        .retain(|(g, _)| *g != pgid);
}

fn unwatch(pgid: u32) {
    let w = WATCHDOGS
        .lock()
        .expect("watchdogs lock")
        .as_mut()
        .and_then(|m| m.remove(&pgid));
    if let Some(mut w) = w {
        let _ = w.kill();
        let _ = w.wait();
    }
}

/// The process group of a live `pid`, from `/proc/PID/stat` (field 5); `None` for a
/// process that is gone or a zombie (dead, waiting to be reaped by its parent).
pub fn group_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces.
    let mut rest = stat[stat.rfind(')')? + 1..].split_whitespace();
    let state = rest.next()?;
    if state == "Z" || state == "X" {
        return None;
    }
    rest.nth(1)?.parse().ok()
}

/// Every live process in group `pgid`.
pub fn members(pgid: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return vec![];
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| group_of(pid) == Some(pgid))
        .collect()
}

fn signal_group(signal: &str, pgid: u32) {
    let _ = Command::new("kill")
        .args([signal, "--", &format!("-{pgid}")])
        .stderr(Stdio::null())
        .status();
}

/// Waits up to `within` for group `pgid` to be empty.
fn gone(pgid: u32, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    loop {
        if members(pgid).is_empty() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Stops the server whose group is `pgid`: SIGTERM to the group, `grace` to exit, then
/// SIGKILL to what is left. A slow stop is a warning, not a failure; only a group that
/// survives SIGKILL is an error. Its watchdog goes too.
pub fn stop_group(pgid: u32, what: &str, grace: Duration) -> anyhow::Result<()> {
    signal_group("-TERM", pgid);
    let started = Instant::now();
    if !gone(pgid, grace) {
        eprintln!(
            "xtask: warning: {what} (process group {pgid}) did not stop within {}s of SIGTERM; sending SIGKILL",
            grace.as_secs()
        );
        signal_group("-KILL", pgid);
        if !gone(pgid, Duration::from_secs(10)) {
            anyhow::bail!(
                "{what} (process group {pgid}) survived SIGKILL: {:?}",
                members(pgid)
            );
        }
    }
    reap(pgid);
    eprintln!(
        "xtask: {what} stopped in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    unwatch(pgid);
    Ok(())
}

/// Stops a recorded server: its whole group when it leads one (started by this xtask
/// version), else the process alone (started by an older one).
pub fn stop_server(pid: u32, what: &str, grace: Duration) -> anyhow::Result<()> {
    if group_of(pid) == Some(pid) {
        return stop_group(pid, what, grace);
    }
    let _ = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let deadline = Instant::now() + grace;
    while group_of(pid).is_some() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    if group_of(pid).is_some() {
        eprintln!("xtask: warning: {what} (pid {pid}) did not stop on SIGTERM; sending SIGKILL");
        let _ = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
    }
    Ok(())
}

/// The servers this xtask started that still have a live process, as "what (group N:
/// pids)". Empty once every one was stopped.
pub fn survivors() -> Vec<String> {
    STARTED
        .lock()
        .expect("started lock")
        .iter()
        .filter_map(|(pgid, what)| {
            let left = members(*pgid);
            (!left.is_empty()).then(|| format!("{what} (group {pgid}: pids {left:?})"))
        })
        .collect()
}

/// Runs `f` when dropped: on return, on `?`, and while a panic unwinds.
pub struct OnDrop<F: FnMut()>(pub F);

impl<F: FnMut()> Drop for OnDrop<F> {
    fn drop(&mut self) {
        (self.0)();
    }
}
