//! The config file: `--config PATH`, `ECSROLE_CONFIG`, `./ecsrole.toml`; flags win over
//! it; bad files exit 1 before any request.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::harness::{Ctx, run_isolated};

/// Writes `text` as `name` in the test's own directory; returns its path.
fn write(ctx: &Ctx, name: &str, text: &str) -> PathBuf {
    let path = ctx.temp_dir().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[tokio::test]
async fn config_file_sets_the_options() {
    let ctx = Ctx::new("cfgset").await;
    let file = write(
        &ctx,
        "set.toml",
        &format!(
            "role_name = \"{r}\"\ninstance_profile_name = \"{r}-p\"\noutput = \"json\"\n",
            r = ctx.role
        ),
    );
    let run = ctx.ecsrole_raw(&["check", "--config", arg(&file)]);
    assert_eq!(run.code, 2, "{run:?}");
    let json = run.json();
    assert_eq!(json["role_name"], ctx.role.as_str());
    assert_eq!(json["instance_profile_name"], format!("{}-p", ctx.role));
    let _ = std::fs::remove_dir_all(ctx.temp_dir());
}

#[tokio::test]
async fn flags_override_the_file() {
    let ctx = Ctx::new("cfgflag").await;
    let file = write(
        &ctx,
        "flag.toml",
        "role_name = \"fromTheFile\"\noutput = \"json\"\n",
    );
    // The flag's role, the file's output format.
    let run = ctx.ecsrole(&["check", "--config", arg(&file)]);
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(run.json()["role_name"], ctx.role.as_str());
    // And the flag's output format over the file's.
    let run = ctx.ecsrole(&["check", "--config", arg(&file), "--output", "human"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(serde_json::from_str::<serde_json::Value>(&run.stdout).is_err());
    let _ = std::fs::remove_dir_all(ctx.temp_dir());
}

#[tokio::test]
async fn file_tags_and_path_are_applied_and_a_tag_flag_replaces_the_list() {
    let ctx = Ctx::new("cfgtags").await;
    let file = write(
        &ctx,
        "tags.toml",
        "path = \"/batch/\"\n[tags]\nteam = \"file\"\ncost-center = \"42\"\n",
    );
    let run = ctx.ecsrole(&["apply", "--config", arg(&file)]);
    assert_eq!(run.code, 0, "{run:?}");
    let state = ctx.state().await;
    assert_eq!(state.role_path.as_deref(), Some("/batch/"));
    let tags = state.role_tags.unwrap();
    for pair in [("team", "file"), ("cost-center", "42")] {
        assert!(
            tags.contains(&(pair.0.into(), pair.1.into())),
            "{pair:?} in {tags:?}"
        );
    }

    let other = Ctx::new("cfgtags2").await;
    let run = other.ecsrole(&["apply", "--config", arg(&file), "--tag", "owner=cli"]);
    assert_eq!(run.code, 0, "{run:?}");
    let tags = other.state().await.role_tags.unwrap();
    assert!(tags.contains(&("owner".into(), "cli".into())), "{tags:?}");
    assert!(tags.iter().all(|(k, _)| k != "team"), "{tags:?}");
    let _ = std::fs::remove_dir_all(ctx.temp_dir());
}

#[tokio::test]
async fn ecsrole_toml_in_the_current_directory_is_used() {
    let ctx = Ctx::new("cfgcwd").await;
    let dir = ctx.temp_dir();
    write(
        &ctx,
        "ecsrole.toml",
        &format!("role_name = \"{}\"\noutput = \"json\"\n", ctx.role),
    );
    let run = ctx.ecsrole_in(&dir, &["check"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(run.json()["role_name"], ctx.role.as_str());
    assert!(
        run.stderr
            .contains("note: reading config file ecsrole.toml found in the working directory"),
        "a file nobody named is said: {}",
        run.stderr
    );
    // An explicit --config wins over ./ecsrole.toml (and is not a surprise to say).
    let other = write(&ctx, "other.toml", "role_name = \"explicitFile\"\n");
    let run = ctx.ecsrole_in(
        &dir,
        &["check", "--output", "json", "--config", arg(&other)],
    );
    assert_eq!(run.json()["role_name"], "explicitFile");
    assert!(
        !run.stderr.contains("reading config file"),
        "{}",
        run.stderr
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_config_is_named_and_exits_1_before_any_call() {
    // Through the proxy: a request would show in its log.
    let (ctx, proxy) = Ctx::proxied("cfgbad").await;
    // (file, expected on stderr, subcommand, the message names the file)
    let cases: &[(&str, &str, &str, bool)] = &[
        (
            "role_name = \"r\"\nrolename = \"x\"\n",
            "unknown field `rolename`",
            "check",
            true,
        ),
        (
            "[verify]\nlevl = \"ce\"\n",
            "unknown field `levl`",
            "check",
            true,
        ),
        ("timeout = 0\n", "invalid timeout 0", "check", true),
        ("timeout = \"ten\"\n", "line 1", "check", true),
        ("output = \"yaml\"\n", "yaml", "check", true),
        (
            "role_name = \n",
            "TOML parse error at line 1",
            "check",
            true,
        ),
        // Values go through the same validation as flags, with the same messages.
        (
            "role_name = \"has space\"\n",
            "invalid role name \"has space\"",
            "check",
            false,
        ),
        (
            "path = \"batch\"\n",
            "invalid path \"batch\"",
            "check",
            false,
        ),
        (
            "[tags]\n\"aws:x\" = \"1\"\n",
            "invalid tag \"aws:x=1\"",
            "apply",
            false,
        ),
        (
            "region = \"moon\"\n",
            "invalid region \"moon\"",
            "check",
            false,
        ),
        (
            "[verify]\nsubnets = [\"subnet-xyz\"]\n",
            "invalid subnet \"subnet-xyz\"",
            "verify",
            false,
        ),
    ];
    for (i, (text, expected, command, names_file)) in cases.iter().enumerate() {
        let file = write(&ctx, &format!("bad{i}.toml"), text);
        let run = ctx.ecsrole_raw(&[command, "--config", arg(&file)]);
        assert_eq!(run.code, 1, "{text:?}: {run:?}");
        assert!(
            run.stderr.contains(expected),
            "{text:?}: expected {expected:?} in {}",
            run.stderr
        );
        if *names_file {
            assert!(run.stderr.contains(arg(&file)), "{}", run.stderr);
        }
        assert!(run.stdout.is_empty(), "{text:?}: {}", run.stdout);
    }

    // A file named explicitly must exist: by flag or by ECSROLE_CONFIG.
    let missing = ctx.temp_dir().join("missing.toml");
    let run = ctx.ecsrole_raw(&["check", "--config", arg(&missing)]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains(&format!("cannot read config file {}", missing.display())),
        "{}",
        run.stderr
    );
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecsrole-it"));
    cmd.arg("check");
    crate::harness::isolate(&mut cmd, &ctx.endpoint);
    cmd.env("ECSROLE_CONFIG", &missing);
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(arg(&missing)), "{stderr}");

    assert_eq!(proxy.log(), Vec::<String>::new(), "no request was sent");
    let _ = std::fs::remove_dir_all(ctx.temp_dir());
}

#[tokio::test]
async fn completions_print_a_script_without_aws() {
    let ctx = Ctx::new("compl").await;
    for (shell, marker) in [
        ("bash", "_ecsrole()"),
        ("zsh", "#compdef ecsrole"),
        ("fish", "complete -c ecsrole"),
        ("powershell", "Register-ArgumentCompleter"),
        ("elvish", "edit:completion:arg-completer[ecsrole]"),
    ] {
        // No reachable endpoint, and a broken ./ecsrole.toml: neither matters.
        let dir = ctx.temp_dir();
        std::fs::write(dir.join("ecsrole.toml"), "not toml at all = = =\n").unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecsrole-it"));
        cmd.args(["completions", shell]).current_dir(&dir);
        let run = run_isolated(cmd, "http://127.0.0.1:1");
        assert_eq!(run.code, 0, "{shell}: {run:?}");
        assert!(run.stdout.contains(marker), "{shell}: {}", run.stdout);
        assert!(run.stdout.contains("role-name"), "{shell}");
        assert_eq!(run.stderr, "", "{shell}");
    }
    let _ = std::fs::remove_dir_all(ctx.temp_dir());
}
