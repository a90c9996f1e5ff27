"""boto3 doing what `ecsrole check` does: the same four IAM reads, one after another,
as a Python user would write them. Usage: check.py ROLE (endpoint and credentials from
the environment)."""

import sys

import boto3

role = sys.argv[1]
iam = boto3.Session().client("iam")
iam.get_role(RoleName=role)
iam.list_attached_role_policies(RoleName=role)
iam.get_instance_profile(InstanceProfileName=role)
iam.list_role_policies(RoleName=role)
