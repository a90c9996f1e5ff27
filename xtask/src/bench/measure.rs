//! One measured process: its wall time, peak memory, CPU, exit code, output, and the
//! requests the emulator logged while it ran; medians of several.

#[allow(unused_imports)]
use super::*;

/// One finished process.
pub(super) struct Run {
    pub(super) shown: String,
    pub(super) wall: Duration,
    /// Maximum RSS in kB, from `/usr/bin/time`; `None` when not measured.
    pub(super) peak_kb: Option<u64>,
    /// User plus system CPU seconds of the process.
    pub(super) cpu_s: Option<f64>,
    pub(super) code: Option<i32>,
    pub(super) stdout: String,
    pub(super) stderr: String,
    /// What moto logged while it ran.
    pub(super) requests: Requests,
}

/// Requests in moto's log: all, and those answered 2xx.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Requests {
    pub(super) all: usize,
    pub(super) ok: usize,
}

impl Run {
    /// The run, if it exited with one of `codes`.
    pub(super) fn expect(self, codes: &[i32]) -> Result<Run> {
        if self.code.is_some_and(|c| codes.contains(&c)) {
            return Ok(self);
        }
        bail!(
            "{} exited with {:?}, expected one of {codes:?}: {}",
            self.shown,
            self.code,
            last_line(&self.stderr)
        )
    }

    /// 2xx answers per second of the process's wall time.
    pub(super) fn ok_per_second(&self) -> f64 {
        self.requests.ok as f64 / self.wall.as_secs_f64()
    }
}

pub(super) fn last_line(text: &str) -> &str {
    text.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("")
}

pub(super) static MEASURED: AtomicUsize = AtomicUsize::new(0);

/// Runs `cmd` to the end: wall time, peak RSS (through `/usr/bin/time`, into a file of
/// this run's own), exit code, output, and the requests `log` (a moto log) gained.
pub(super) fn measure(cmd: Command, log: &Path) -> Result<Run> {
    let shown = format!("{cmd:?}");
    let time = Path::new("/usr/bin/time");
    let rss_file = state_dir().join(format!(
        "bench/rss-{}-{}.txt",
        std::process::id(),
        MEASURED.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = fs::remove_file(&rss_file);
    let mut cmd = if time.exists() {
        let mut wrapped = Command::new(time);
        wrapped
            .args(["-f", "%M %U %S", "-o"])
            .arg(&rss_file)
            .arg(cmd.get_program())
            .args(cmd.get_args());
        for (k, v) in cmd.get_envs() {
            match v {
                Some(v) => wrapped.env(k, v),
                None => wrapped.env_remove(k),
            };
        }
        wrapped
    } else {
        cmd
    };
    cmd.stdin(Stdio::null());
    let from = fs::metadata(log).map_or(0, |m| m.len());
    let start = Instant::now();
    let out = cmd
        .output()
        .with_context(|| format!("cannot run {shown}"))?;
    let wall = start.elapsed();
    // /usr/bin/time writes "Command exited with non-zero status N" first, then %M.
    let usage = fs::read_to_string(&rss_file).ok().and_then(|s| {
        let line = s.trim().lines().last()?.to_owned();
        let mut f = line.split_whitespace();
        let peak: u64 = f.next()?.parse().ok()?;
        let user: f64 = f.next()?.parse().ok()?;
        let system: f64 = f.next()?.parse().ok()?;
        Some((peak, user + system))
    });
    let (peak_kb, cpu_s) = (usage.map(|u| u.0), usage.map(|u| u.1));
    let _ = fs::remove_file(&rss_file);
    Ok(Run {
        shown,
        wall,
        peak_kb,
        cpu_s,
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        requests: requests_since(log, from),
    })
}

/// The requests in moto's (werkzeug's) log after byte `from`, one line each:
/// `127.0.0.1 - - [date] "POST / HTTP/1.1" 200 -`.
pub(super) fn requests_since(log: &Path, from: u64) -> Requests {
    let bytes = fs::read(log).unwrap_or_default();
    let tail = String::from_utf8_lossy(bytes.get(from as usize..).unwrap_or_default());
    let statuses: Vec<u16> = tail
        .lines()
        .filter(|l| l.contains(" HTTP/1."))
        .filter_map(|l| l.rsplit_once("\" ")?.1.split(' ').next()?.parse().ok())
        .collect();
    Requests {
        all: statuses.len(),
        ok: statuses.iter().filter(|s| (200..300).contains(*s)).count(),
    }
}

/// Repeated runs of one command.
#[derive(Default)]
pub(super) struct Series {
    pub(super) walls: Vec<Duration>,
    /// The largest measured peak; `None` when none was measured.
    pub(super) peak_kb: Option<u64>,
    pub(super) requests: Requests,
}

impl Series {
    pub(super) fn push(&mut self, run: &Run) {
        self.walls.push(run.wall);
        self.peak_kb = self.peak_kb.max(run.peak_kb);
        self.requests = run.requests;
    }

    pub(super) fn ms(&self) -> f64 {
        median(
            self.walls
                .iter()
                .map(|w| w.as_secs_f64() * 1000.0)
                .collect(),
        )
    }
}

/// The median; 0 for no value (a skipped row, printed as `-`).
pub(super) fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// Fleet outcomes, counted from ecsrole's `--output json` lines (target exit codes: 0
/// ok, 1 error, 2 drift or pending changes, 3 role broken).
#[derive(Default)]
pub(super) struct Outcomes {
    pub(super) runs: usize,
    pub(super) ok: usize,
    pub(super) drift: usize,
    pub(super) error: usize,
    pub(super) broken: usize,
    pub(super) first_error: Option<String>,
}

impl Outcomes {
    /// Counts one fleet run over `targets` targets.
    pub(super) fn add(&mut self, run: &Run, targets: usize) {
        self.runs += 1;
        let mut seen = 0;
        for line in run.stdout.lines().filter(|l| !l.trim().is_empty()) {
            // A summary object (`{"summary": {...}}`) is not a target.
            if json::field(line, "summary").is_some() {
                continue;
            }
            seen += 1;
            match json::field(line, "exit_code").and_then(|c| c.parse::<u8>().ok()) {
                Some(0) => self.ok += 1,
                Some(2) => self.drift += 1,
                Some(3) => self.broken += 1,
                code => self.fail(
                    json::field(line, "error")
                        .and_then(json::string)
                        .unwrap_or_else(|| format!("exit code {code:?}: {line}")),
                ),
            }
        }
        for _ in seen..targets {
            self.fail(format!(
                "no result line for a target (ecsrole printed {seen} of {targets})"
            ));
        }
        if !matches!(run.code, Some(0 | 2)) && self.error == 0 {
            self.fail(format!(
                "ecsrole exited with {:?}: {}",
                run.code,
                last_line(&run.stderr)
            ));
        }
    }

    pub(super) fn fail(&mut self, why: String) {
        self.error += 1;
        self.first_error.get_or_insert(why);
    }

    pub(super) fn failure(&self) -> Option<String> {
        (self.error > 0).then(|| {
            let first = self.first_error.as_deref().unwrap_or("");
            let first: String = first.chars().take(160).collect();
            format!("FAILED ({} error(s): {first})", self.error)
        })
    }

    pub(super) fn counts(&self) -> String {
        let broken = if self.broken > 0 {
            format!(", role broken {}", self.broken)
        } else {
            String::new()
        };
        let runs = if self.runs > 1 {
            format!(" over {} runs", self.runs)
        } else {
            String::new()
        };
        format!(
            "ok {}, drift {}, error {}{broken}{runs}",
            self.ok, self.drift, self.error
        )
    }
}
