#!/usr/bin/env bash
# The AWS CLI doing what `ecsrole check` does: the same four IAM reads.
# Usage: check.sh ROLE   (endpoint and credentials from the environment)
set -euo pipefail
role="$1"
aws iam get-role --role-name "$role" >/dev/null
aws iam list-attached-role-policies --role-name "$role" >/dev/null
aws iam get-instance-profile --instance-profile-name "$role" >/dev/null
aws iam list-role-policies --role-name "$role" >/dev/null
