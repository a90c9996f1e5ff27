"""Sets up what `ecsrole diagnose` is measured on: N managed EC2 compute environments in the
default VPC, spread over 10 instance profiles (each holding its role) and one service role.
Usage: diagnose_setup.py PREFIX N (endpoint and credentials from the environment)."""

import json
import sys

import boto3

prefix, n = sys.argv[1], int(sys.argv[2])
session = boto3.Session()
iam, ec2, batch = (session.client(s) for s in ("iam", "ec2", "batch"))


def role(name, service):
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))[
        "Role"
    ]["Arn"]


service_role = role(f"{prefix}-service", "batch.amazonaws.com")
for p in range(10):
    name = f"{prefix}-p{p}"
    role(name, "ec2.amazonaws.com")
    iam.create_instance_profile(InstanceProfileName=name)
    iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)
vpc = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0]
subnets = [
    s["SubnetId"]
    for s in ec2.describe_subnets(
        Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}]
    )["Subnets"]
]
group = ec2.describe_security_groups(
    Filters=[
        {"Name": "vpc-id", "Values": [vpc["VpcId"]]},
        {"Name": "group-name", "Values": ["default"]},
    ]
)["SecurityGroups"][0]["GroupId"]
for i in range(n):
    batch.create_compute_environment(
        computeEnvironmentName=f"{prefix}-ce{i}",
        type="MANAGED",
        state="ENABLED",
        serviceRole=service_role,
        computeResources={
            "type": "EC2",
            "minvCpus": 0,
            "maxvCpus": 4,
            "desiredvCpus": 0,
            "instanceTypes": ["optimal"],
            "subnets": subnets[:2],
            "securityGroupIds": [group],
            "instanceRole": f"{prefix}-p{i % 10}",
        },
    )
