#!/usr/bin/env bash
# Runs ecsrole for the composite action (../action.yml) and keeps its exit code: the step
# fails or passes by it, unchanged (2 stays drift, 3 stays not-working). Inputs come as
# environment variables:
#   ECSROLE_BIN       the binary (from install.sh)
#   ECSROLE_COMMAND   check, plan, apply, verify, diagnose, ...
#   ECSROLE_ARGS      its arguments, split on whitespace (no shell evaluation)
#   ECSROLE_SARIF     true: the same run also writes SARIF (check, plan, diagnose) to
#                     $RUNNER_TEMP/ecsrole.sarif (--sarif); none when the run erred
#   ECSROLE_REPORT    true: also write a JUnit report to $RUNNER_TEMP/ecsrole-junit.xml
# Writes the outputs exit-code, result (compliant, drift, error, not-working), sarif-file
# and report-file to $GITHUB_OUTPUT; ecsrole itself appends the step summary to
# $GITHUB_STEP_SUMMARY.
set -uo pipefail

bin="${ECSROLE_BIN:?no ecsrole binary}"
command="${ECSROLE_COMMAND:-check}"
case "$command" in
  *[!a-z-]*|"") echo "ecsrole action: invalid command '$command': expected an ecsrole subcommand such as check" >&2; exit 1 ;;
esac
# Every line of the input (a YAML block scalar spans several).
read -r -d '' -a given <<< "${ECSROLE_ARGS:-}" || true
tmp="${RUNNER_TEMP:-/tmp}"
sarif_file=""
sarif_path=""
report_file=""
args=(${given[@]+"${given[@]}"})
if [ "${ECSROLE_REPORT:-false}" = true ]; then
  report_file="$tmp/ecsrole-junit.xml"
  args+=(--report "$report_file")
fi
if [ "${ECSROLE_SARIF:-false}" = true ]; then
  case "$command" in
    check | plan | diagnose | rescue)
      # Written by the same run, beside its output: one run, one exit code. A run that
      # errs writes none (and removes an older one), so the output below is then empty.
      sarif_path="$tmp/ecsrole.sarif"
      rm -f "$sarif_path"
      args+=(--sarif "$sarif_path")
      ;;
    *) echo "ecsrole action: sarif is for check, plan, diagnose and rescue, not $command" >&2 ;;
  esac
fi

"$bin" "$command" ${args[@]+"${args[@]}"}
code=$?
if [ -n "$sarif_path" ] && [ -s "$sarif_path" ]; then
  sarif_file="$sarif_path"
fi
case "$code" in
  0) result=compliant ;;
  2) result=drift ;;
  3) result=not-working ;;
  *) result=error ;;
esac
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "exit-code=$code"
    echo "result=$result"
    echo "sarif-file=$sarif_file"
    echo "report-file=$report_file"
  } >> "$GITHUB_OUTPUT"
fi
exit "$code"
