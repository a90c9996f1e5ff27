"""boto3 doing what `ecsrole diagnose` reads, as a script would: every compute environment,
then, one after another for each, its instance profile, the role in it and its policies,
its service role, its subnets and security groups. Usage: diagnose.py (endpoint and
credentials from the environment)."""

import boto3

session = boto3.Session()
iam, ec2, batch = (session.client(s) for s in ("iam", "ec2", "batch"))
for ce in batch.get_paginator("describe_compute_environments").paginate():
    for c in ce["computeEnvironments"]:
        r = c["computeResources"]
        profile = iam.get_instance_profile(
            InstanceProfileName=r["instanceRole"].split("/")[-1]
        )["InstanceProfile"]
        for role in profile["Roles"]:
            iam.get_role(RoleName=role["RoleName"])
            iam.list_attached_role_policies(RoleName=role["RoleName"])
        iam.get_role(RoleName=c["serviceRole"].split("/")[-1])
        ec2.describe_subnets(SubnetIds=r["subnets"])
        ec2.describe_security_groups(GroupIds=r["securityGroupIds"])
