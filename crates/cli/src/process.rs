//! The process: its runtime, tracing, colour, and writing to stdout.

#[allow(unused_imports)]
use crate::*;

/// The `ecsrole` binary's whole `main`.
pub fn main() -> ExitCode {
    let parsed = Cli::command()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m).map(|cli| (cli, m)));
    let cli = match parsed {
        Ok((mut cli, matches)) => {
            // Completions take no --config: a broken ./ecsrole.toml does not stop them.
            if let Err(e) = config::apply(&mut cli, &matches) {
                eprintln!("error: {e:#}");
                remove_stale_sarif();
                if format(&cli) == Output::Json {
                    let doc =
                        error_document(&cli, "invalid_input", &format!("{e:#}"), &Known::default());
                    write_stdout(render::document(&doc).as_bytes());
                }
                return ExitCode::from(EXIT_ERROR);
            }
            cli
        }
        Err(e) => {
            // Help and version go to stdout with 0; usage errors exit 1 so that 2 stays "drift".
            let _ = e.print();
            if e.use_stderr() {
                remove_stale_sarif();
            }
            return ExitCode::from(if e.use_stderr() { EXIT_ERROR } else { EXIT_OK });
        }
    };
    init_tracing(cli.command.verbosity());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        // The SDK's call chains are deep, and debug builds' frames large: 2 MiB (tokio's
        // default) is not enough for verify's flow there. Only what is used is resident.
        .thread_stack_size(8 << 20)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let code = runtime.block_on(run(cli));
    // Do not wait for SDK background tasks (connection pools) once the answer is out.
    runtime.shutdown_background();
    ExitCode::from(code)
}

/// A command line that could not be read erred before any run: the SARIF log its `--sarif`
/// names (as written, `--sarif FILE` or `--sarif=FILE`) must not stay behind from an
/// earlier run to be uploaded as this one's.
fn remove_stale_sarif() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    for (i, a) in args.iter().enumerate() {
        let path = match a.to_str() {
            Some("--sarif") => args.get(i + 1).map(std::path::PathBuf::from),
            Some(s) => s.strip_prefix("--sarif=").map(std::path::PathBuf::from),
            None => None,
        };
        if let Some(path) = path
            && let Err(e) = ci::remove_stale(&path)
        {
            eprintln!("error: {e:#}");
        }
    }
}

pub(crate) fn init_tracing(verbose: u8) {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::prelude::*;
    let (own, sdk) = match verbose {
        0 => (LevelFilter::WARN, LevelFilter::OFF),
        1 => (LevelFilter::INFO, LevelFilter::OFF),
        2 => (LevelFilter::DEBUG, LevelFilter::WARN),
        _ => (LevelFilter::DEBUG, LevelFilter::DEBUG),
    };
    let filter = Targets::new()
        .with_target("ecsrole", own)
        .with_target("ecsrole_core", own)
        .with_target("aws_config", sdk)
        .with_target("aws_smithy_runtime", sdk)
        .with_target("aws_sdk_iam", sdk);
    let _ = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(colour(
                    std::io::IsTerminal::is_terminal(&std::io::stderr()),
                    std::env::var_os("NO_COLOR").as_deref(),
                ))
                .with_target(verbose >= 2),
        )
        .with(filter)
        .try_init();
}

/// Colour on stderr only on a terminal, and not when `NO_COLOR` is set to anything but the
/// empty string (<https://no-color.org>).
pub(crate) fn colour(terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    terminal && no_color.is_none_or(|v| v.is_empty())
}

pub(crate) fn write_stdout(bytes: &[u8]) {
    let mut out = std::io::stdout().lock();
    // A closed pipe (`ecsrole check | head -1`) is not an error worth a panic.
    let _ = out.write_all(bytes).and_then(|()| out.flush());
}

#[cfg(test)]
mod tests {
    #[test]
    fn colour_on_a_terminal_unless_no_color_is_set() {
        use std::ffi::OsStr;
        assert!(super::colour(true, None));
        assert!(super::colour(true, Some(OsStr::new(""))), "empty: not set");
        assert!(!super::colour(true, Some(OsStr::new("1"))));
        assert!(!super::colour(false, None), "a pipe or a file");
    }
}
