//! The command-line contract around the engine: exit codes, bad input, unreachable
//! endpoints, missing credentials.

use std::process::Command;

use crate::harness::{Ctx, run_isolated};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_named_and_exits_1_before_any_call() {
    // Through the proxy: a request would show in its log.
    let (ctx, proxy) = Ctx::proxied("input").await;
    let cases: &[(&[&str], &str)] = &[
        (
            &["check", "--role-name", "has space"],
            "invalid role name \"has space\"",
        ),
        (&["check", "--role-name", &"r".repeat(65)], "1 to 64"),
        (
            &["check", "--instance-profile-name", "a/b"],
            "invalid instance profile name \"a/b\"",
        ),
        (&["check", "--path", "batch"], "invalid path \"batch\""),
        (
            &["check", "--extra-policy", "AmazonSSMManagedInstanceCore"],
            "invalid policy ARN",
        ),
        (
            &["check", "--partition", "aws-iso"],
            "invalid partition \"aws-iso\"",
        ),
        (
            &["apply", "--tag", "novalue"],
            "invalid tag \"novalue\": expected KEY=VALUE",
        ),
        (&["check", "--region", "moon"], "invalid region \"moon\""),
        (
            &["check", "--endpoint-url", "localhost:4566"],
            "invalid endpoint URL",
        ),
        (&["check", "--timeout", "0"], "--timeout"),
        (&["check", "--output", "yaml"], "yaml"),
        (&["check", "-v", "-q"], "cannot be used with"),
        (&["frobnicate"], "unrecognized subcommand"),
        (
            &["apply", "--no-wait", "--wait-timeout", "5"],
            "cannot be used with",
        ),
        (
            &["check", "--extra-policy", "arn:aws-cn:iam::aws:policy/X"],
            "partition aws",
        ),
    ];
    for (args, expected) in cases {
        let run = ctx.ecsrole_raw(args);
        assert_eq!(run.code, 1, "{args:?}: {run:?}");
        assert!(
            run.stderr.contains(expected),
            "{args:?}: expected {expected:?} in {}",
            run.stderr
        );
        assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
    }
    assert_eq!(proxy.log(), Vec::<String>::new(), "no request was sent");
}

/// Each subcommand offers only the options that apply to it. Every other option, given to
/// it, is refused: exit 1, the option named, nothing on stdout, no request sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_option_a_command_does_not_offer_is_refused_before_any_call() {
    let (ctx, proxy) = Ctx::proxied("notoffered").await;
    let options = ecsrole::docs::options();
    let mut refused = 0;
    for command in ecsrole::docs::subcommands() {
        // A long option can have rows of its own meaning per command (`--dry-run`).
        let offers = |long: &str| {
            options
                .iter()
                .any(|o| o.long == long && o.commands.contains(&command))
        };
        let mut tried = std::collections::HashSet::new();
        for option in options
            .iter()
            .filter(|o| !offers(&o.long) && tried.insert(o.long.clone()))
        {
            let mut args = vec![command.as_str()];
            if command == "completions" {
                args.push("bash");
            }
            args.push(&option.long);
            if option.value.is_some() {
                args.push("x");
            }
            let run = ctx.ecsrole_raw(&args);
            assert_eq!(run.code, 1, "{args:?}: {run:?}");
            assert!(
                run.stderr
                    .contains(&format!("unexpected argument '{}'", option.long)),
                "{args:?}: {}",
                run.stderr
            );
            assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
            refused += 1;
        }
    }
    assert!(refused > 100, "{refused} pairs tried");
    assert_eq!(proxy.log(), Vec::<String>::new(), "no request was sent");
}

#[tokio::test]
async fn help_and_version_exit_0() {
    let ctx = Ctx::new("help").await;
    let version = ctx.ecsrole_raw(&["--version"]);
    assert_eq!(
        (version.code, version.stdout.trim()),
        (0, concat!("ecsrole ", env!("CARGO_PKG_VERSION")))
    );
    let help = ctx.ecsrole_raw(&["check", "--help"]);
    assert_eq!(help.code, 0);
    assert!(help.stdout.contains("--role-name"), "{}", help.stdout);
}

#[tokio::test]
async fn unreachable_endpoint_is_named() {
    let ctx = Ctx::new("unreachable").await;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecsrole-it"));
    cmd.args(["check", "--role-name", &ctx.role]);
    let run = run_isolated(cmd, "http://127.0.0.1:1");
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("cannot reach http://127.0.0.1:1 calling iam:"),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn missing_credentials_are_explained() {
    let ctx = Ctx::new("nocreds").await;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecsrole-it"));
    cmd.args(["check", "--role-name", &ctx.role]);
    // The emulator's environment, less the credentials.
    cmd.env_clear()
        .env("AWS_ENDPOINT_URL", &ctx.endpoint)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/nonexistent/config")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials");
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("no AWS credentials found"), "{stderr}");
}

#[tokio::test]
async fn quiet_check_prints_nothing_and_keeps_the_exit_code() {
    let ctx = Ctx::new("quiet").await;
    let run = ctx.ecsrole(&["check", "-q"]);
    assert_eq!(
        (run.code, run.stdout.as_str(), run.stderr.as_str()),
        (2, "", "")
    );
}

#[tokio::test]
async fn secrets_never_appear_in_output_at_any_verbosity() {
    let ctx = Ctx::new("secrets").await;
    let secret = "SeCrEtKeyThatMustNotLeak0123456789abcdEF";
    let token = "SessionTokenThatMustNotLeakXYZ987654321";
    for verbosity in ["-v", "-vv", "-vvv"] {
        for args in [&["check"][..], &["apply"], &["destroy"]] {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecsrole-it"));
            cmd.args(args).args([verbosity, "--role-name", &ctx.role]);
            crate::harness::isolate(&mut cmd, &ctx.endpoint);
            cmd.env("AWS_SECRET_ACCESS_KEY", secret)
                .env("AWS_SESSION_TOKEN", token);
            let out = cmd.output().unwrap();
            let all = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(
                out.status.code().is_some_and(|c| c <= 2),
                "{args:?} {verbosity}: {all}"
            );
            assert!(
                !all.contains(secret),
                "{args:?} {verbosity} leaked the secret key"
            );
            assert!(
                !all.contains(token),
                "{args:?} {verbosity} leaked the session token"
            );
            if verbosity == "-vvv" {
                assert!(all.contains("iam:GetRole"), "-vvv logs the calls: {all}");
            }
        }
    }
}

/// Colour codes only on a terminal: a piped stderr gets none (NO_COLOR unset, as a CI
/// would run it); on a terminal (`script` gives the process one) there is colour, unless
/// NO_COLOR is set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn colour_only_on_a_terminal_and_never_with_no_color() {
    let ctx = Ctx::new("colour").await;
    let esc = '\u{1b}';
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecsrole-it"));
    cmd.args(["check", "-vv", "--role-name", &ctx.role]);
    crate::harness::isolate(&mut cmd, &ctx.endpoint);
    cmd.env_remove("NO_COLOR");
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("iam:GetRole"),
        "-vv logs the calls: {stderr}"
    );
    assert!(!stderr.contains(esc), "no ANSI codes on a pipe: {stderr:?}");

    let on_terminal = |no_color: Option<&str>| {
        let line = format!(
            "'{}' check -vv --role-name '{}'",
            env!("CARGO_BIN_EXE_ecsrole-it"),
            ctx.role
        );
        let mut cmd = Command::new("script");
        cmd.args(["-qec", &line, "/dev/null"]);
        crate::harness::isolate(&mut cmd, &ctx.endpoint);
        cmd.env("PATH", std::env::var_os("PATH").unwrap_or_default());
        match no_color {
            Some(v) => cmd.env("NO_COLOR", v),
            None => cmd.env_remove("NO_COLOR"),
        };
        let out = cmd
            .output()
            .expect("util-linux `script` (it gives ecsrole a terminal)");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert_eq!(out.status.code(), Some(2), "{text}");
        assert!(text.contains("iam:GetRole"), "{text}");
        text
    };
    assert!(on_terminal(None).contains(esc), "colour on a terminal");
    assert!(
        !on_terminal(Some("1")).contains(esc),
        "NO_COLOR=1 on a terminal: no colour"
    );
}

/// `--profile NAME` (or `AWS_PROFILE`) that the AWS config files do not hold is one line
/// naming it and the profiles they hold, exit 1, no request: not the SDK's provider chain,
/// and not the environment's credentials instead of the profile asked for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_profile_is_named_in_one_line_before_any_call() {
    let (ctx, proxy) = Ctx::proxied("profile").await;
    let dir = ctx.temp_dir();
    let config = dir.join("config");
    std::fs::write(&config, "[profile dev]\nregion = us-east-1\n").unwrap();
    let credentials = dir.join("credentials");
    std::fs::write(
        &credentials,
        "[ci]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
    )
    .unwrap();
    let toml = dir.join("ecsrole.toml");
    std::fs::write(&toml, "profile = \"nosuch\"\n").unwrap();
    let config_flag = toml.to_str().unwrap().to_owned();
    for (args, credentials_in_env) in [
        (vec!["check", "--profile", "nosuch"], true),
        (vec!["check", "--profile", "nosuch"], false),
        (vec!["apply", "--config", config_flag.as_str()], true),
    ] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecsrole-it"));
        cmd.args(&args).args(["--role-name", &ctx.role]);
        crate::harness::isolate(&mut cmd, &ctx.endpoint);
        cmd.env("AWS_CONFIG_FILE", &config)
            .env("AWS_SHARED_CREDENTIALS_FILE", &credentials);
        if !credentials_in_env {
            cmd.env_remove("AWS_ACCESS_KEY_ID")
                .env_remove("AWS_SECRET_ACCESS_KEY");
        }
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: one line: {stderr}");
        assert!(
            stderr.contains("invalid profile \"nosuch\"") && stderr.contains("ci, dev"),
            "{args:?}: names the profile and the ones there are: {stderr}"
        );
        assert_eq!(proxy.log(), Vec::<String>::new(), "{args:?}: no request");
    }
    // The same profile named by AWS_PROFILE (the AWS CLI stops: "The config profile
    // (nosuch) could not be found"): exit 1 naming the variable, no request, never the
    // environment's keys instead. It used to run with those keys (exit 2).
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecsrole-it"));
    cmd.args(["check", "--role-name", &ctx.role]);
    crate::harness::isolate(&mut cmd, &ctx.endpoint);
    cmd.env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
        .env("AWS_PROFILE", "nosuch");
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "AWS_PROFILE: {stderr}");
    assert!(
        stderr.contains("invalid AWS_PROFILE \"nosuch\"") && stderr.contains("ci, dev"),
        "names the variable, the profile and the ones there are: {stderr}"
    );
    assert_eq!(proxy.log(), Vec::<String>::new(), "AWS_PROFILE: no request");
    // A profile the files hold is used as before, by flag or by AWS_PROFILE.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecsrole-it"));
    cmd.args(["check", "--role-name", &ctx.role]);
    crate::harness::isolate(&mut cmd, &ctx.endpoint);
    cmd.env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
        .env("AWS_PROFILE", "ci")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY");
    let out = cmd.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "AWS_PROFILE=ci: drift: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecsrole-it"));
    cmd.args(["check", "--profile", "ci", "--role-name", &ctx.role]);
    crate::harness::isolate(&mut cmd, &ctx.endpoint);
    cmd.env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY");
    let out = cmd.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "drift: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// With `--output json` a failing command prints one JSON object on
/// stdout: `schema_version`, the command, a stable error `kind`, the message, and what the
/// run knew (region, partition). Every document ecsrole prints carries `schema_version`;
/// `-q` keeps the JSON document (it silences progress and notes).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_command_prints_one_json_error_object() {
    let ctx = Ctx::new("json_errors").await;
    let nowhere = "http://127.0.0.1:1";
    for command in ["check", "plan", "apply", "destroy", "diagnose", "cleanup"] {
        let role: &[&str] = if matches!(command, "diagnose" | "cleanup") {
            &[]
        } else {
            &["--role-name", &ctx.role]
        };
        let run = ctx.ecsrole_raw(
            &[
                &[command][..],
                role,
                &[
                    "--endpoint-url",
                    nowhere,
                    "--timeout",
                    "5",
                    "--output",
                    "json",
                ],
            ]
            .concat(),
        );
        assert_eq!(run.code, 1, "{command}: {run:?}");
        let doc = run.json();
        assert_eq!(doc["schema_version"], 1, "{command}: {doc}");
        assert_eq!(doc["command"], command);
        assert_eq!(doc["error"]["kind"], "unreachable", "{command}: {doc}");
        assert!(
            doc["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("cannot reach http://127.0.0.1:1")),
            "{command}: {doc}"
        );
        assert_eq!(doc["region"], "us-east-1", "{command}: {doc}");
        assert!(
            run.stderr.contains("error: cannot reach"),
            "{command}: {}",
            run.stderr
        );
    }
    // A refusal has its own kind.
    ctx.create_compliant(&[("team", "data")]).await;
    let refused = ctx.ecsrole(&["destroy", "--output", "json"]);
    assert_eq!(refused.code, 1);
    assert_eq!(refused.json()["error"]["kind"], "not_owned", "{refused:?}");

    // Success documents carry the version too, -q or not.
    for args in [
        &["check", "--output", "json"][..],
        &["check", "-q", "--output", "json"],
    ] {
        let ok = ctx.ecsrole(args);
        assert_eq!(ok.code, 0, "{ok:?}");
        assert_eq!(ok.json()["schema_version"], 1, "{args:?}");
    }
    let quiet = ctx.ecsrole(&["check", "-q", "--output", "json"]);
    assert_eq!(quiet.stderr, "", "-q: no notes");
}
