#!/usr/bin/env bash
# The AWS CLI doing what `ecsrole apply` does from nothing: the same four writes.
# Usage: apply.sh ROLE   (endpoint and credentials from the environment)
set -euo pipefail
role="$1"
trust='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
aws iam create-role --role-name "$role" --assume-role-policy-document "$trust" \
  --tags Key=managed-by,Value=ecsrole >/dev/null
aws iam attach-role-policy --role-name "$role" \
  --policy-arn arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role
aws iam create-instance-profile --instance-profile-name "$role" \
  --tags Key=managed-by,Value=ecsrole >/dev/null
aws iam add-role-to-instance-profile --instance-profile-name "$role" --role-name "$role"
