//! Batch fixtures for verify's runs: start one and wait until it scaled up, finish it,
//! and play what AWS would do for it (an instance launched with the run's tag, the ECS
//! agent registering it).

use std::io::{BufRead, BufReader, Read};
use std::time::{Duration, Instant};

use super::Ctx;

/// Reads the child's stderr until `pred` holds for a line; returns the lines read.
pub fn read_until(
    stderr: &mut BufReader<std::process::ChildStderr>,
    pred: impl Fn(&str) -> bool,
) -> Vec<String> {
    let mut lines = vec![];
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let mut line = String::new();
        if stderr.read_line(&mut line).unwrap() == 0 {
            break;
        }
        let done = pred(&line);
        lines.push(line);
        if done {
            return lines;
        }
    }
    panic!("never saw the line; got:\n{}", lines.concat());
}

/// Starts `verify --level instance` and waits until it has scaled up; returns the child,
/// its stderr and the run id.
pub fn start_instance_run(
    ctx: &Ctx,
    timeout: &str,
) -> (
    std::process::Child,
    BufReader<std::process::ChildStderr>,
    String,
) {
    let mut child = ctx.spawn(&["verify", "--level", "instance", "--timeout", timeout]);
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let first = read_until(&mut stderr, |l| l.starts_with("verify run "));
    let run = run_id_of(&first.join("\n"));
    read_until(&mut stderr, |l| l.contains("scale_up"));
    (child, stderr, run)
}

pub fn finish(
    mut child: std::process::Child,
    mut stderr: BufReader<std::process::ChildStderr>,
) -> (i32, String, String) {
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let status = child.wait().unwrap();
    (status.code().unwrap_or(-1), out, rest)
}

/// Launches an instance for run `run` and registers it as a container instance in its
/// compute environment's ECS cluster, as the ECS agent would.
pub async fn play_the_ecs_agent(ctx: &Ctx, run: &str) {
    let instance = launch_instance(run, None).await;
    let cluster = crate::harness::cluster_of(&ctx.batch, &format!("ecsrole-verify-{run}")).await;
    crate::harness::register_instance(&ctx.ecs, &cluster, &instance).await;
}

/// The run id from verify's first stderr line (`verify run ID (level ...)`).
pub fn run_id_of(stderr: &str) -> String {
    stderr
        .lines()
        .find(|l| l.starts_with("verify run "))
        .unwrap_or_else(|| panic!("no `verify run` line: {stderr}"))
        .split_whitespace()
        .nth(2)
        .unwrap()
        .to_owned()
}

pub async fn profile_arn(ctx: &Ctx) -> String {
    crate::harness::profile_arn_of(&ctx.iam, &ctx.role).await
}

/// Launches an instance as Batch would for run `run`: tagged with the run id (Batch copies
/// the compute environment's tags onto its instances), with `profile`. Its id.
pub async fn launch_instance(run: &str, profile: Option<&str>) -> String {
    crate::harness::run_instance(&crate::harness::ec2().await, Some(run), profile).await
}
