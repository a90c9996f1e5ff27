#!/usr/bin/env bash
# Runs ecsrole for the composite action (../action.yml) and keeps its exit code: the step
# fails or passes by it, unchanged (2 stays drift, 3 stays not-working). Inputs come as
# environment variables:
#   ECSROLE_BIN       the binary (from install.sh)
#   ECSROLE_COMMAND   check, plan, apply, verify, diagnose, ...
#   ECSROLE_ARGS      its arguments, split on whitespace (no shell evaluation)
#   ECSROLE_SARIF     true: also write SARIF (check, plan, diagnose) to $RUNNER_TEMP/ecsrole.sarif
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
report_file=""
args=("${given[@]}")
if [ "${ECSROLE_REPORT:-false}" = true ]; then
  report_file="$tmp/ecsrole-junit.xml"
  args+=(--report "$report_file")
fi

"$bin" "$command" "${args[@]}"
code=$?
if [ "${ECSROLE_SARIF:-false}" = true ]; then
  case "$command" in
    check | plan | diagnose)
      sarif_file="$tmp/ecsrole.sarif"
      # A second run, read-only like the first, for the log; its exit code is not the
      # step's, and it writes no summary or report (the first run did): the output,
      # verbosity, summary and report options given are left out of it.
      sarif_args=()
      skip=0
      for a in "${given[@]}"; do
        if [ "$skip" = 1 ]; then skip=0; continue; fi
        case "$a" in
          --output | --summary | --report) skip=1 ;;
          --output=* | --summary=* | --report=* | -q | --quiet | -v* | --verbose) ;;
          *) sarif_args+=("$a") ;;
        esac
      done
      GITHUB_STEP_SUMMARY="" "$bin" "$command" "${sarif_args[@]}" --output sarif --quiet \
        > "$sarif_file" || true
      ;;
    *) echo "ecsrole action: sarif is for check, plan and diagnose, not $command" >&2 ;;
  esac
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
