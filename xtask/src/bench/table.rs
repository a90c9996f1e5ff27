//! The bench's one table, printed, and its JSON record.

#[allow(unused_imports)]
use super::*;

/// One line of the table (and continuation lines for further anchors).
#[derive(Default)]
pub(super) struct Row {
    pub(super) name: String,
    pub(super) ms: f64,
    pub(super) peak_kb: Option<u64>,
    pub(super) calls: usize,
    /// What ecsrole is compared with: name, ms.
    pub(super) anchors: Vec<(String, f64)>,
    pub(super) outcomes: Option<Outcomes>,
    /// Fleet check: 2xx answers per second, ecsrole's and the signed load's.
    pub(super) rates: Option<(f64, f64)>,
    pub(super) failed: Option<String>,
    /// Not run (the note says why): no figures.
    pub(super) skipped: bool,
    pub(super) note: String,
}

impl Row {
    pub(super) fn new(name: impl Into<String>, series: &Series) -> Row {
        Row {
            name: name.into(),
            ms: series.ms(),
            peak_kb: series.peak_kb,
            calls: series.requests.all,
            ..Row::default()
        }
    }

    /// The note column: failure or rate, outcome counts, free text.
    pub(super) fn text(&self) -> String {
        let mut parts = vec![];
        if let Some(o) = &self.outcomes {
            parts.push(o.counts());
        }
        match (&self.failed, self.rates) {
            (Some(f), _) => parts.push(f.clone()),
            (None, Some((mine, load))) => parts.push(format!(
                "{mine:.0} req/s = {:.0}% of the signed load's {load:.0} req/s",
                100.0 * mine / load
            )),
            (None, None) => {}
        }
        if !self.note.is_empty() {
            parts.push(self.note.clone());
        }
        parts.join("; ")
    }
}

pub(super) fn ratio(x: f64) -> String {
    match x {
        x if x < 0.1 => format!("{x:.3}x"),
        x if x < 10.0 => format!("{x:.2}x"),
        x => format!("{x:.1}x"),
    }
}

pub(super) fn opt<T>(v: Option<T>, f: impl Fn(T) -> String, none: &str) -> String {
    v.map_or_else(|| none.to_owned(), f)
}

/// Prints the table, writes the JSON; fails when a row FAILED.
pub(super) fn report(rows: &[Row]) -> Result<()> {
    let mut table = String::new();
    let _ = writeln!(
        table,
        "{:<52}{:>9}{:>9}{:>7}  {:<30}{:>10}{:>11}  note",
        "", "ms", "peak MB", "calls", "compared with", "its ms", "ecsrole/it"
    );
    let mut json_rows = vec![];
    for r in rows {
        let ratios: Vec<Option<f64>> = r
            .anchors
            .iter()
            .map(|(_, ms)| r.failed.is_none().then_some(r.ms / ms))
            .collect();
        let anchor = |i: usize| match r.anchors.get(i) {
            Some((name, ms)) => format!("{name:<30}{ms:>10.1}{:>11}", opt(ratios[i], ratio, "-")),
            None => format!("{:51}", ""),
        };
        let _ = writeln!(
            table,
            "{:<52}{:>9}{:>9}{:>7}  {}  {}",
            r.name,
            if r.skipped {
                "-".to_owned()
            } else {
                format!("{:.1}", r.ms)
            },
            opt(r.peak_kb, |k| format!("{:.1}", k as f64 / 1024.0), "-"),
            if r.skipped {
                "-".to_owned()
            } else {
                r.calls.to_string()
            },
            anchor(0),
            r.text()
        );
        for i in 1..r.anchors.len() {
            let _ = writeln!(table, "{:79}{}", "", anchor(i).trim_end());
        }
        let anchors: Vec<String> = r
            .anchors
            .iter()
            .zip(&ratios)
            .map(|((name, ms), x)| {
                format!(
                    "{{\"name\": {}, \"ms\": {ms:.2}, \"ratio\": {}}}",
                    json::quote(name),
                    opt(*x, |x| format!("{x:.4}"), "null")
                )
            })
            .collect();
        let outcomes = opt(
            r.outcomes.as_ref(),
            |o| {
                format!(
                    "{{\"runs\": {}, \"ok\": {}, \"drift\": {}, \"error\": {}, \"role_broken\": {}}}",
                    o.runs, o.ok, o.drift, o.error, o.broken
                )
            },
            "null",
        );
        json_rows.push(format!(
            "    {{\"name\": {}, \"ms\": {}, \"peak_rss_kb\": {}, \"calls\": {}, \"anchors\": [{}], \"outcomes\": {outcomes}, \"ok_per_second\": {}, \"load_ok_per_second\": {}, \"failed\": {}, \"skipped\": {}}}",
            json::quote(&r.name),
            if r.skipped { "null".to_owned() } else { format!("{:.2}", r.ms) },
            opt(r.peak_kb, |k| k.to_string(), "null"),
            r.calls,
            anchors.join(", "),
            opt(r.rates, |(m, _)| format!("{m:.1}"), "null"),
            opt(r.rates, |(_, l)| format!("{l:.1}"), "null"),
            opt(r.failed.as_deref(), json::quote, "null"),
            if r.skipped { json::quote(&r.note) } else { "null".to_owned() },
        ));
    }
    print!("{table}");
    println!(
        "ms: medians of {RUNS} runs (fleet check: {FLEET_RUNS}, each side on a fresh moto) of whole \
         processes; the floor: median of {FLOOR_ROUNDS} rounds in one warm process; fleet: \
         {CLIENTS} accounts in flight, 2xx answers only"
    );
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let out = state_dir().join(format!("bench/{stamp}.json"));
    let json = format!(
        "{{\n  \"rows\": [\n{}\n  ],\n  \"runs_per_median\": {RUNS},\n  \"fleet_runs_per_median\": {FLEET_RUNS},\n  \"floor_rounds\": {FLOOR_ROUNDS},\n  \"clients\": {CLIENTS}\n}}\n",
        json_rows.join(",\n")
    );
    fs::write(&out, json)?;
    println!("results: {}", out.display());
    let failed = rows.iter().filter(|r| r.failed.is_some()).count();
    if failed > 0 {
        bail!("{failed} bench row(s) FAILED (see the table)");
    }
    Ok(())
}
