//! `ecsrole export --format cloudformation`, checked by the tools its users run: cfn-lint
//! (pinned in the tools venv) finds nothing in it, PyYAML reads the YAML as the same
//! document as the JSON, and CloudFormation on the emulator deploys it, after which
//! `ecsrole check` judges the result.
//!
//! On LocalStack (whose free edition has CloudFormation) the deployed role is compliant:
//! check exits 0 and plan plans nothing. moto 5.2.5 deploys the role, its trust policy,
//! path and tags and the instance profile, but ignores the role's `ManagedPolicyArns`
//! (docs/emulators.md, measured), so there check must find exactly one thing:
//! `managed_policy_not_attached`.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::harness::{Backend, Ctx, backend};

fn tools_python() -> std::ffi::OsString {
    std::env::var_os("ECSROLE_TEST_TOOLS_PYTHON").expect(
        "ECSROLE_TEST_TOOLS_PYTHON is unset: `cargo xtask test` sets it to its tools venv (cfn-lint, boto3)",
    )
}

/// cfn-lint on `file`: no finding at all (exit 0, nothing printed).
fn cfn_lint(file: &Path) {
    let python = tools_python();
    let out = Command::new(Path::new(&python).with_file_name("cfn-lint"))
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success() && out.stdout.is_empty(),
        "cfn-lint on {}:\n{}{}",
        file.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn the_template_lints_clean_and_reads_the_same_as_yaml_and_json() {
    let ctx = Ctx::new("export").await;
    let dir = ctx.temp_dir();
    for (name, extra) in [
        ("default", &[][..]),
        (
            "china",
            &[
                "--partition",
                "aws-cn",
                "--path",
                "/batch/",
                "--extra-policy",
                "arn:aws-cn:iam::aws:policy/AmazonSSMManagedInstanceCore",
                "--tag",
                "team=data",
            ][..],
        ),
        (
            "stackset",
            &[
                "--extra-policy",
                "arn:aws:iam::123456789012:policy/team/BatchExtra",
                "--extra-policy",
                "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
            ][..],
        ),
    ] {
        let (yaml, json) = (
            dir.join(format!("{name}.yaml")),
            dir.join(format!("{name}.json")),
        );
        for (file, format) in [(&yaml, "yaml"), (&json, "json")] {
            let mut args = vec![
                "export",
                "--format",
                "cloudformation",
                "--template-format",
                format,
                "--output-file",
                file.to_str().unwrap(),
            ];
            args.extend_from_slice(extra);
            let run = ctx.ecsrole_raw(&args);
            assert_eq!(run.code, 0, "{run:?}");
            assert_eq!(run.stdout, "", "the template went to the file");
            cfn_lint(file);
        }
        let same = Command::new(tools_python())
            .args([
                "-c",
                "import json, sys, yaml; sys.exit(yaml.safe_load(open(sys.argv[1])) != json.load(open(sys.argv[2])))",
            ])
            .args([&yaml, &json])
            .status()
            .unwrap();
        assert!(same.success(), "{name}: the YAML and the JSON differ");
    }
    let china = std::fs::read_to_string(dir.join("china.json")).unwrap();
    assert!(
        !china.contains("arn:aws-cn:") && china.contains("${AWS::Partition}"),
        "{china}"
    );
    // A customer managed policy is each account's own (IAM attaches no other account's):
    // the exporting account's id is not written, `${AWS::AccountId}` is; AWS managed
    // policies stay `iam::aws:`.
    let stackset: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("stackset.json")).unwrap()).unwrap();
    assert_eq!(
        stackset["Resources"]["Role"]["Properties"]["ManagedPolicyArns"],
        serde_json::json!([
            {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"},
            {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/team/BatchExtra"},
            {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"}
        ]),
        "{stackset}"
    );
    assert!(!stackset.to_string().contains("123456789012"), "{stackset}");
    let bad = ctx.ecsrole_raw(&[
        "export",
        "--format",
        "cloudformation",
        "--output-file",
        "/nonexistent/dir/t.yaml",
    ]);
    assert_eq!(bad.code, 1);
    assert!(bad.stderr.contains("/nonexistent/dir/t.yaml"), "{bad:?}");
}

#[tokio::test]
async fn the_deployed_template_is_what_check_wants() {
    let ctx = Ctx::new("export_stack").await;
    let file = ctx.temp_dir().join("ecsrole.yaml");
    let run = ctx.ecsrole_raw(&[
        "export",
        "--format",
        "cloudformation",
        "--output-file",
        file.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    const DEPLOY: &str = r#"
import sys, time, boto3
cfn = boto3.client("cloudformation")
name, body, role = sys.argv[1], open(sys.argv[2]).read(), sys.argv[3]
cfn.create_stack(
    StackName=name,
    TemplateBody=body,
    Capabilities=["CAPABILITY_NAMED_IAM"],
    Parameters=[
        {"ParameterKey": "RoleName", "ParameterValue": role},
        {"ParameterKey": "InstanceProfileName", "ParameterValue": role},
    ],
)
for _ in range(120):
    status = cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
    if not status.endswith("IN_PROGRESS"):
        break
    time.sleep(0.5)
print(status)
"#;
    let out = Command::new(tools_python())
        .args([
            "-c",
            DEPLOY,
            &ctx.role.replace('_', "-"),
            file.to_str().unwrap(),
            &ctx.role,
        ])
        .env_clear()
        .env("AWS_ENDPOINT_URL", ctx.emulator())
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .output()
        .unwrap();
    let status = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert_eq!(
        status,
        "CREATE_COMPLETE",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // IAM shows what CloudFormation made at once on both emulators; a bound all the same.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let check = ctx.ecsrole(&["check", "--output", "json"]);
    let codes: Vec<String> = check.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .collect();
    match backend() {
        Backend::Moto => {
            // moto ignores ManagedPolicyArns: everything else is as apply makes it.
            assert_eq!(check.code, 2, "{check:?}");
            assert_eq!(codes, ["managed_policy_not_attached"], "{check:?}");
        }
        Backend::LocalStack | Backend::LocalStackPro => {
            assert_eq!(check.code, 0, "{check:?}");
            assert_eq!(codes, Vec::<String>::new(), "{check:?}");
            let plan = ctx.ecsrole(&["plan"]);
            assert_eq!(plan.code, 0, "plan plans nothing: {plan:?}");
        }
    }
}
