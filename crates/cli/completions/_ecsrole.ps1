
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'ecsrole' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'ecsrole'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'ecsrole' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Report drift (read-only). Exit 0 compliant, 2 drift, 1 could not decide')
            [CompletionResult]::new('plan', 'plan', [CompletionResultType]::ParameterValue, 'Show the changes apply would make (read-only). Exit 0 nothing to do, 2 changes pending')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Make the planned changes, then wait until IAM shows the instance profile with the role')
            [CompletionResult]::new('destroy', 'destroy', [CompletionResultType]::ParameterValue, 'Delete the role and instance profile ecsrole created (tagged managed-by=ecsrole)')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Prove the role works: an AWS Batch compute environment, an instance joining ECS, or a job succeeding; then tear everything down. Exit 0 verified, 2 drift, 3 the role does not work, 1 other errors')
            [CompletionResult]::new('diagnose', 'diagnose', [CompletionResultType]::ParameterValue, 'Explain why compute environments are INVALID, their instances never join ECS or their jobs sit in RUNNABLE (read-only). Exit 0 no error found, 2 errors found, 1 could not decide')
            [CompletionResult]::new('rescue', 'rescue', [CompletionResultType]::ParameterValue, 'Bring back compute environments their IAM left stuck (INVALID, or DELETING for hours): recreate what they name, let Batch validate them again or finish deleting, and remove what was recreated once nothing uses it. Exit 0 nothing stuck any more, 2 still stuck (or, with --dry-run, stuck), 1 could not act')
            [CompletionResult]::new('cleanup', 'cleanup', [CompletionResultType]::ParameterValue, 'Delete what earlier verify runs left behind (tagged ecsrole:verify-run and named ecsrole-verify-*)')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Print what apply would create as a CloudFormation template (for StackSets), to stdout or --output-file. Makes no AWS call')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script to stdout (bash, zsh, fish, powershell, elvish)')
            [CompletionResult]::new('permissions', 'permissions', [CompletionResultType]::ParameterValue, 'Print the least-privilege IAM policy (JSON) the operator needs, scoped to the role, instance profile, path and partition given. Makes no AWS call')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ecsrole;check' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read options from this TOML file; flags override it [default: ./ecsrole.toml when present]')
            [CompletionResult]::new('--role-name', '--role-name', [CompletionResultType]::ParameterName, 'The role AWS Batch instances use')
            [CompletionResult]::new('--instance-profile-name', '--instance-profile-name', [CompletionResultType]::ParameterName, 'The instance profile that carries the role [default: the role name]')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'IAM path of the role and instance profile (created there; a different one is reported)')
            [CompletionResult]::new('--extra-policy', '--extra-policy', [CompletionResultType]::ParameterName, 'Another managed policy that must be attached (repeatable)')
            [CompletionResult]::new('--kind', '--kind', [CompletionResultType]::ParameterName, 'What the role is for: ecs-ec2 (Batch EC2/SPOT, AmazonEC2ContainerServiceforEC2Role) or ecs-managed-instances (AmazonECSInstanceRolePolicyForManagedInstances; the role name must start with ecsInstanceRole)')
            [CompletionResult]::new('--partition', '--partition', [CompletionResultType]::ParameterName, 'aws, aws-cn or aws-us-gov [default: derived from the region]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region [default: the standard chain; IAM is global]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Named profile from the AWS config files')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Send every AWS call here [default: AWS_ENDPOINT_URL* or AWS''s endpoints]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Bound on the command, in seconds [default: 120; verify: 900, teardown not included]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Which findings fail the run: error (default), or warning (a run whose only findings are warnings exits 2 too)')
            [CompletionResult]::new('--summary', '--summary', [CompletionResultType]::ParameterName, 'Append a Markdown summary of the run here [default: $GITHUB_STEP_SUMMARY when set]')
            [CompletionResult]::new('--sarif', '--sarif', [CompletionResultType]::ParameterName, 'Also write the run''s SARIF log here (check, plan, diagnose, rescue and their fleet runs), for code scanning. A run that ends in an error (exit 1) writes none and removes a file already at FILE, so no upload can read "no findings" from it')
            [CompletionResult]::new('--report', '--report', [CompletionResultType]::ParameterName, 'Also write a JUnit XML report here')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Fleet mode: run in this account through STS AssumeRole (repeatable)')
            [CompletionResult]::new('--accounts', '--accounts', [CompletionResultType]::ParameterName, 'Fleet mode: accounts from a file, one id per line, `#` comments')
            [CompletionResult]::new('--ou', '--ou', [CompletionResultType]::ParameterName, 'Fleet mode: the ACTIVE accounts under this organizational unit, recursively (repeatable)')
            [CompletionResult]::new('--exclude-account', '--exclude-account', [CompletionResultType]::ParameterName, 'Fleet mode: leave this account out (repeatable)')
            [CompletionResult]::new('--assume-role-name', '--assume-role-name', [CompletionResultType]::ParameterName, 'Fleet mode: the role assumed in each account')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Fleet mode: how many targets run at once')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (-v steps, -vv AWS calls, -vvv SDK internals)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (-v steps, -vv AWS calls, -vvv SDK internals)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress, notes or human output: errors only, and the exit code tells the result (--output json still prints its document)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress, notes or human output: errors only, and the exit code tells the result (--output json still prints its document)')
            [CompletionResult]::new('--organization', '--organization', [CompletionResultType]::ParameterName, 'Fleet mode: every ACTIVE account of the organisation (AWS Organizations; run with the management account''s or a delegated administrator''s credentials)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ecsrole;plan' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read options from this TOML file; flags override it [default: ./ecsrole.toml when present]')
            [CompletionResult]::new('--role-name', '--role-name', [CompletionResultType]::ParameterName, 'The role AWS Batch instances use')
            [CompletionResult]::new('--instance-profile-name', '--instance-profile-name', [CompletionResultType]::ParameterName, 'The instance profile that carries the role [default: the role name]')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'IAM path of the role and instance profile (created there; a different one is reported)')
            [CompletionResult]::new('--extra-policy', '--extra-policy', [CompletionResultType]::ParameterName, 'Another managed policy that must be attached (repeatable)')
            [CompletionResult]::new('--kind', '--kind', [CompletionResultType]::ParameterName, 'What the role is for: ecs-ec2 (Batch EC2/SPOT, AmazonEC2ContainerServiceforEC2Role) or ecs-managed-instances (AmazonECSInstanceRolePolicyForManagedInstances; the role name must start with ecsInstanceRole)')
            [CompletionResult]::new('--partition', '--partition', [CompletionResultType]::ParameterName, 'aws, aws-cn or aws-us-gov [default: derived from the region]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region [default: the standard chain; IAM is global]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Named profile from the AWS config files')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Send every AWS call here [default: AWS_ENDPOINT_URL* or AWS''s endpoints]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Bound on the command, in seconds [default: 120; verify: 900, teardown not included]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Which findings fail the run: error (default), or warning (a run whose only findings are warnings exits 2 too)')
            [CompletionResult]::new('--summary', '--summary', [CompletionResultType]::ParameterName, 'Append a Markdown summary of the run here [default: $GITHUB_STEP_SUMMARY when set]')
            [CompletionResult]::new('--sarif', '--sarif', [CompletionResultType]::ParameterName, 'Also write the run''s SARIF log here (check, plan, diagnose, rescue and their fleet runs), for code scanning. A run that ends in an error (exit 1) writes none and removes a file already at FILE, so no upload can read "no findings" from it')
            [CompletionResult]::new('--report', '--report', [CompletionResultType]::ParameterName, 'Also write a JUnit XML report here')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Fleet mode: run in this account through STS AssumeRole (repeatable)')
            [CompletionResult]::new('--accounts', '--accounts', [CompletionResultType]::ParameterName, 'Fleet mode: accounts from a file, one id per line, `#` comments')
            [CompletionResult]::new('--ou', '--ou', [CompletionResultType]::ParameterName, 'Fleet mode: the ACTIVE accounts under this organizational unit, recursively (repeatable)')
            [CompletionResult]::new('--exclude-account', '--exclude-account', [CompletionResultType]::ParameterName, 'Fleet mode: leave this account out (repeatable)')
            [CompletionResult]::new('--assume-role-name', '--assume-role-name', [CompletionResultType]::ParameterName, 'Fleet mode: the role assumed in each account')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Fleet mode: how many targets run at once')
            [CompletionResult]::new('--tag', '--tag', [CompletionResultType]::ParameterName, 'A tag put on the role and instance profile ecsrole creates (repeatable), besides managed-by=ecsrole')
            [CompletionResult]::new('--replace-profile-role', '--replace-profile-role', [CompletionResultType]::ParameterName, 'Remove another role from the instance profile to make room for this one')
            [CompletionResult]::new('--replace-trust-policy', '--replace-trust-policy', [CompletionResultType]::ParameterName, 'Replace the trust policy with the EC2 one, dropping every other statement (the only way ecsrole removes a statement)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (-v steps, -vv AWS calls, -vvv SDK internals)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (-v steps, -vv AWS calls, -vvv SDK internals)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress, notes or human output: errors only, and the exit code tells the result (--output json still prints its document)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress, notes or human output: errors only, and the exit code tells the result (--output json still prints its document)')
            [CompletionResult]::new('--organization', '--organization', [CompletionResultType]::ParameterName, 'Fleet mode: every ACTIVE account of the organisation (AWS Organizations; run with the management account''s or a delegated administrator''s credentials)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ecsrole;apply' {
            [CompletionResult]::new('--wait-timeout', '--wait-timeout', [CompletionResultType]::ParameterName, 'How long to wait for IAM to show the instance profile with the role')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read options from this TOML file; flags override it [default: ./ecsrole.toml when present]')
            [CompletionResult]::new('--role-name', '--role-name', [CompletionResultType]::ParameterName, 'The role AWS Batch instances use')
            [CompletionResult]::new('--instance-profile-name', '--instance-profile-name', [CompletionResultType]::ParameterName, 'The instance profile that carries the role [default: the role name]')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'IAM path of the role and instance profile (created there; a different one is reported)')
            [CompletionResult]::new('--extra-policy', '--extra-policy', [CompletionResultType]::ParameterName, 'Another managed policy that must be attached (repeatable)')
            [CompletionResult]::new('--kind', '--kind', [CompletionResultType]::ParameterName, 'What the role is for: ecs-ec2 (Batch EC2/SPOT, AmazonEC2ContainerServiceforEC2Role) or ecs-managed-instances (AmazonECSInstanceRolePolicyForManagedInstances; the role name must start with ecsInstanceRole)')
            [CompletionResult]::new('--partition', '--partition', [CompletionResultType]::ParameterName, 'aws, aws-cn or aws-us-gov [default: derived from the region]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region [default: the standard chain; IAM is global]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Named profile from the AWS config files')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Send every AWS call here [default: AWS_ENDPOINT_URL* or AWS''s endpoints]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Bound on the command, in seconds [default: 120; verify: 900, teardown not included]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Which findings fail the run: error (default), or warning (a run whose only findings are warnings exits 2 too)')
            [CompletionResult]::new('--summary', '--summary', [CompletionResultType]::ParameterName, 'Append a Markdown summary of the run here [default: $GITHUB_STEP_SUMMARY when set]')
            [CompletionResult]::new('--sarif', '--sarif', [CompletionResultType]::ParameterName, 'Also write the run''s SARIF log here (check, plan, diagnose, rescue and their fleet runs), for code scanning. A run that ends in an error (exit 1) writes none and removes a file already at FILE, so no upload can read "no findings" from it')
            [CompletionResult]::new('--report', '--report', [CompletionResultType]::ParameterName, 'Also write a JUnit XML report here')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Fleet mode: run in this account through STS AssumeRole (repeatable)')
            [CompletionResult]::new('--accounts', '--accounts', [CompletionResultType]::ParameterName, 'Fleet mode: accounts from a file, one id per line, `#` comments')
            [CompletionResult]::new('--ou', '--ou', [CompletionResultType]::ParameterName, 'Fleet mode: the ACTIVE accounts under this organizational unit, recursively (repeatable)')
            [CompletionResult]::new('--exclude-account', '--exclude-account', [CompletionResultType]::ParameterName, 'Fleet mode: leave this account out (repeatable)')
            [CompletionResult]::new('--assume-role-name', '--assume-role-name', [CompletionResultType]::ParameterName, 'Fleet mode: the role assumed in each account')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Fleet mode: how many targets run at once')
            [CompletionResult]::new('--tag', '--tag', [CompletionResultType]::ParameterName, 'A tag put on the role and instance profile ecsrole creates (repeatable), besides managed-by=ecsrole')
            [CompletionResult]::new('--replace-profile-role', '--replace-profile-role', [CompletionResultType]::ParameterName, 'Remove another role from the instance profile to make room for this one')
            [CompletionResult]::new('--replace-trust-policy', '--replace-trust-policy', [CompletionResultType]::ParameterName, 'Replace the trust policy with the EC2 one, dropping every other statement (the only way ecsrole removes a statement)')
            [CompletionResult]::new('--no-wait', '--no-wait', [CompletionResultType]::ParameterName, 'Do not wait for IAM to show the instance profile with the role')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (-v steps, -vv AWS calls, -vvv SDK internals)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (-v steps, -vv AWS calls, -vvv SDK internals)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress, notes or human output: errors only, and the exit code tells the result (--output json still prints its document)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress, notes or human output: errors only, and the exit code tells the result (--output json still prints its document)')
            [CompletionResult]::new('--organization', '--organization', [CompletionResultType]::ParameterName, 'Fleet mode: every ACTIVE account of the organisation (AWS Organizations; run with the management account''s or a delegated administrator''s credentials)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ecsrole;destroy' {
            [CompletionResult]::new('--regions', '--regions', [CompletionResultType]::ParameterName, 'The regions whose compute environments are read for ones using the instance profile, comma-separated [default: the region]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read options from this TOML file; flags override it [default: ./ecsrole.toml when present]')
            [CompletionResult]::new('--role-name', '--role-name', [CompletionResultType]::ParameterName, 'The role AWS Batch instances use')
            [CompletionResult]::new('--instance-profile-name', '--instance-profile-name', [CompletionResultType]::ParameterName, 'The instance profile that carries the role [default: the role name]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region [default: the standard chain; IAM is global]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Named profile from the AWS config files')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Send every AWS call here [default: AWS_ENDPOINT_URL* or AWS''s endpoints]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Bound on the command, in seconds [default: 120; verify: 900, teardown not included]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Which findings fail the run: error (default), or warning (a run whose only findings are warnings exits 2 too)')
            [CompletionResult]::new('--summary', '--summary', [CompletionResultType]::ParameterName, 'Append a Markdown summary of the run here [default: $GITHUB_STEP_SUMMARY when set]')
            [CompletionResult]::new('--sarif', '--sarif', [CompletionResultType]::ParameterName, 'Also write the run''s SARIF log here (check, plan, diagnose, rescue and their fleet runs), for code scanning. A run that ends in an error (exit 1) writes none and removes a file already at FILE, so no upload can read "no findings" from it')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Delete even what is not tagged managed-by=ecsrole, and take the role out of the other instance profiles that hold it. Never deletes a profile something uses: that is --delete-profile-in-use')
            [CompletionResult]::new('--delete-profile-in-use', '--delete-profile-in-use', [CompletionResultType]::ParameterName, 'Delete the instance profile although a compute environment, an EC2 instance or a launch template uses it (or nothing can tell): the environment goes INVALID, the instances can no longer renew their credentials')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print what would be deleted and what stops it; delete nothing. Exit 0 when nothing stops it, 1 when something does')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (-v steps, -vv AWS calls, -vvv SDK internals)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (-v steps, -vv AWS calls, -vvv SDK internals)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress, notes or human output: errors only, and the exit code tells the result (--output json still prints its document)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress, notes or human output: errors only, and the exit code tells the result (--output json still prints its document)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ecsrole;verify' {
            [CompletionResult]::new('--level', '--level', [CompletionResultType]::ParameterName, 'How far to prove')
            [CompletionResult]::new('--subnet', '--subnet', [CompletionResultType]::ParameterName, 'Subnet for the compute environment (repeatable) [default: the default VPC''s]')
            [CompletionResult]::new('--security-group', '--security-group', [CompletionResultType]::ParameterName, 'Security group (repeatable) [default: the default VPC''s `default` group]')
            [CompletionResult]::new('--service-role', '--service-role', [CompletionResultType]::ParameterName, 'Batch service role ARN [default: the service-linked role AWSServiceRoleForBatch, created when missing]')
            [CompletionResult]::new('--image', '--image', [CompletionResultType]::ParameterName, 'Image the level-job test job runs (its command is `true`)')
            [CompletionResult]::new('--propagation-allowance', '--propagation-allowance', [CompletionResultType]::ParameterName, 'How long a just-created instance profile may be invisible to Batch: an INVALID compute environment naming it is waited out while the profile is younger')
            [CompletionResult]::new('--registration-allowance', '--registration-allowance', [CompletionResultType]::ParameterName, 'How long an instance may run before it must have registered with ECS (verify: one older that never registered is evidence against the role, exit 3)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read options from this TOML file; flags override it [default: ./ecsrole.toml when present]')
            [CompletionResult]::new('--role-name', '--role-name', [CompletionResultType]::ParameterName, 'The role AWS Batch instances use')
            [CompletionResult]::new('--instance-profile-name', '--instance-profile-name', [CompletionResultType]::ParameterName, 'The instance profile that carries the role [default: the role name]')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'IAM path of the role and instance profile (created there; a different one is reported)')
            [CompletionResult]::new('--extra-policy', '--extra-policy', [CompletionResultType]::ParameterName, 'Another managed policy that must be attached (repeatable)')
            [CompletionResult]::new('--kind', '--kind', [CompletionResultType]::ParameterName, 'What the role is for: ecs-ec2 (Batch EC2/SPOT, AmazonEC2ContainerServiceforEC2Role) or ecs-managed-instances (AmazonECSInstanceRolePolicyForManagedInstances; the role name must start with ecsInstanceRole)')
            [CompletionResult]::new('--partition', '--partition', [CompletionResultType]::ParameterName, 'aws, aws-cn or aws-us-gov [default: derived from the region]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region [default: the standard chain; IAM is global]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Named profile from the AWS config files')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Send every AWS call here [default: AWS_ENDPOINT_URL* or AWS''s endpoints]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Bound on the command, in seconds [default: 120; verify: 900, teardown not included]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Which findings fail the run: error (default), or warning (a run whose only findings are warnings exits 2 too)')
            [CompletionResult]::new('--summary', '--summary', [CompletionResultType]::ParameterName, 'Append a Markdown summary of the run here [default: $GITHUB_STEP_SUMMARY when set]')
            [CompletionResult]::new('--sarif', '--sarif', [CompletionResultType]::ParameterName, 'Also write the run''s SARIF log here (check, plan, diagnose, rescue and their fleet runs), for code scanning. A run that ends in an error (exit 1) writes none and removes a file already at FILE, so no upload can read "no findings" from it')
            [CompletionResult]::new('--report', '--report', [CompletionResultType]::ParameterName, 'Also write a JUnit XML report here')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Fleet mode: run in this account through STS AssumeRole (repeatable)')
            [CompletionResult]::new('--accounts', '--accounts', [CompletionResultType]::ParameterName, 'Fleet mode: accounts from a file, one id per line, `#` comments')
            [CompletionResult]::new('--ou', '--ou', [CompletionResultType]::ParameterName, 'Fleet mode: the ACTIVE accounts under this organizational unit, recursively (repeatable)')
            [CompletionResult]::new('--exclude-account', '--exclude-account', [CompletionResultType]::ParameterName, 'Fleet mode: leave this account out (repeatable)')
            [CompletionResult]::new('--assume-role-name', '--assume-role-name', [CompletionResultType]::ParameterName, 'Fleet mode: the role assumed in each account')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Fleet mode: how many targets run at once')
            [CompletionResult]::new('--regions', '--regions', [CompletionResultType]::ParameterName, 'Fleet mode: the regions to run in, comma-separated [default: the region]')
            [CompletionResult]::new('--keep', '--keep', [CompletionResultType]::ParameterName, 'Leave the resources in place (remove them later with `ecsrole cleanup --run ID`)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (-v steps, -vv AWS calls, -vvv SDK internals)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (-v steps, -vv AWS calls, -vvv SDK internals)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress, notes or human output: errors only, and the exit code tells the result (--output json still prints its document)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress, notes or human output: errors only, and the exit code tells the result (--output json still prints its document)')
            [CompletionResult]::new('--organization', '--organization', [CompletionResultType]::ParameterName, 'Fleet mode: every ACTIVE account of the organisation (AWS Organizations; run with the management account''s or a delegated administrator''s credentials)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ecsrole;diagnose' {
            [CompletionResult]::new('--compute-environment', '--compute-environment', [CompletionResultType]::ParameterName, 'A compute environment to diagnose, by name or ARN (repeatable) [default: every compute environment and job queue in the region]')
            [CompletionResult]::new('--job-queue', '--job-queue', [CompletionResultType]::ParameterName, 'A job queue to diagnose, with its compute environments (repeatable)')
            [CompletionResult]::new('--job', '--job', [CompletionResultType]::ParameterName, 'A job to explain, with its queue and compute environments (repeatable)')
            [CompletionResult]::new('--registration-allowance', '--registration-allowance', [CompletionResultType]::ParameterName, 'How long an instance may run before it must have registered with ECS (verify: one older that never registered is evidence against the role, exit 3)')
            [CompletionResult]::new('--extra-policy', '--extra-policy', [CompletionResultType]::ParameterName, 'Another managed policy the instance roles must have (repeatable)')
            [CompletionResult]::new('--partition', '--partition', [CompletionResultType]::ParameterName, 'aws, aws-cn or aws-us-gov [default: derived from the region]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read options from this TOML file; flags override it [default: ./ecsrole.toml when present]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region [default: the standard chain; IAM is global]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Named profile from the AWS config files')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Send every AWS call here [default: AWS_ENDPOINT_URL* or AWS''s endpoints]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Bound on the command, in seconds [default: 120; verify: 900, teardown not included]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Which findings fail the run: error (default), or warning (a run whose only findings are warnings exits 2 too)')
            [CompletionResult]::new('--summary', '--summary', [CompletionResultType]::ParameterName, 'Append a Markdown summary of the run here [default: $GITHUB_STEP_SUMMARY when set]')
            [CompletionResult]::new('--sarif', '--sarif', [CompletionResultType]::ParameterName, 'Also write the run''s SARIF log here (check, plan, diagnose, rescue and their fleet runs), for code scanning. A run that ends in an error (exit 1) writes none and removes a file already at FILE, so no upload can read "no findings" from it')
            [CompletionResult]::new('--report', '--report', [CompletionResultType]::ParameterName, 'Also write a JUnit XML report here')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Fleet mode: run in this account through STS AssumeRole (repeatable)')
            [CompletionResult]::new('--accounts', '--accounts', [CompletionResultType]::ParameterName, 'Fleet mode: accounts from a file, one id per line, `#` comments')
            [CompletionResult]::new('--ou', '--ou', [CompletionResultType]::ParameterName, 'Fleet mode: the ACTIVE accounts under this organizational unit, recursively (repeatable)')
            [CompletionResult]::new('--exclude-account', '--exclude-account', [CompletionResultType]::ParameterName, 'Fleet mode: leave this account out (repeatable)')
            [CompletionResult]::new('--assume-role-name', '--assume-role-name', [CompletionResultType]::ParameterName, 'Fleet mode: the role assumed in each account')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Fleet mode: how many targets run at once')
            [CompletionResult]::new('--regions', '--regions', [CompletionResultType]::ParameterName, 'Fleet mode: the regions to run in, comma-separated [default: the region]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (-v steps, -vv AWS calls, -vvv SDK internals)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (-v steps, -vv AWS calls, -vvv SDK internals)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress, notes or human output: errors only, and the exit code tells the result (--output json still prints its document)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress, notes or human output: errors only, and the exit code tells the result (--output json still prints its document)')
            [CompletionResult]::new('--organization', '--organization', [CompletionResultType]::ParameterName, 'Fleet mode: every ACTIVE account of the organisation (AWS Organizations; run with the management account''s or a delegated administrator''s credentials)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ecsrole;rescue' {
            [CompletionResult]::new('--compute-environment', '--compute-environment', [CompletionResultType]::ParameterName, 'A compute environment to rescue, by name or ARN (repeatable) [default: every stuck one in the region]. One that is not stuck is left alone, even with --delete')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read options from this TOML file; flags override it [default: ./ecsrole.toml when present]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region [default: the standard chain; IAM is global]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Named profile from the AWS config files')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Send every AWS call here [default: AWS_ENDPOINT_URL* or AWS''s endpoints]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Bound on the command, in seconds [default: 120; verify: 900, teardown not included]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Which findings fail the run: error (default), or warning (a run whose only findings are warnings exits 2 too)')
            [CompletionResult]::new('--summary', '--summary', [CompletionResultType]::ParameterName, 'Append a Markdown summary of the run here [default: $GITHUB_STEP_SUMMARY when set]')
            [CompletionResult]::new('--sarif', '--sarif', [CompletionResultType]::ParameterName, 'Also write the run''s SARIF log here (check, plan, diagnose, rescue and their fleet runs), for code scanning. A run that ends in an error (exit 1) writes none and removes a file already at FILE, so no upload can read "no findings" from it')
            [CompletionResult]::new('--report', '--report', [CompletionResultType]::ParameterName, 'Also write a JUnit XML report here')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Fleet mode: run in this account through STS AssumeRole (repeatable)')
            [CompletionResult]::new('--accounts', '--accounts', [CompletionResultType]::ParameterName, 'Fleet mode: accounts from a file, one id per line, `#` comments')
            [CompletionResult]::new('--ou', '--ou', [CompletionResultType]::ParameterName, 'Fleet mode: the ACTIVE accounts under this organizational unit, recursively (repeatable)')
            [CompletionResult]::new('--exclude-account', '--exclude-account', [CompletionResultType]::ParameterName, 'Fleet mode: leave this account out (repeatable)')
            [CompletionResult]::new('--assume-role-name', '--assume-role-name', [CompletionResultType]::ParameterName, 'Fleet mode: the role assumed in each account')
            [CompletionResult]::new('--concurrency', '--concurrency', [CompletionResultType]::ParameterName, 'Fleet mode: how many targets run at once')
            [CompletionResult]::new('--regions', '--regions', [CompletionResultType]::ParameterName, 'Fleet mode: the regions to run in, comma-separated [default: the region]')
            [CompletionResult]::new('--delete', '--delete', [CompletionResultType]::ParameterName, 'After the repair, delete the stuck compute environments (their job queues first)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print what is stuck and the plan; write nothing')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (-v steps, -vv AWS calls, -vvv SDK internals)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (-v steps, -vv AWS calls, -vvv SDK internals)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress, notes or human output: errors only, and the exit code tells the result (--output json still prints its document)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress, notes or human output: errors only, and the exit code tells the result (--output json still prints its document)')
            [CompletionResult]::new('--organization', '--organization', [CompletionResultType]::ParameterName, 'Fleet mode: every ACTIVE account of the organisation (AWS Organizations; run with the management account''s or a delegated administrator''s credentials)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ecsrole;cleanup' {
            [CompletionResult]::new('--run', '--run', [CompletionResultType]::ParameterName, 'Delete this run''s resources, whatever their lease (the id `verify` prints)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read options from this TOML file; flags override it [default: ./ecsrole.toml when present]')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'AWS region [default: the standard chain; IAM is global]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Named profile from the AWS config files')
            [CompletionResult]::new('--endpoint-url', '--endpoint-url', [CompletionResultType]::ParameterName, 'Send every AWS call here [default: AWS_ENDPOINT_URL* or AWS''s endpoints]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Bound on the command, in seconds [default: 120; verify: 900, teardown not included]')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format on stdout')
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Which findings fail the run: error (default), or warning (a run whose only findings are warnings exits 2 too)')
            [CompletionResult]::new('--summary', '--summary', [CompletionResultType]::ParameterName, 'Append a Markdown summary of the run here [default: $GITHUB_STEP_SUMMARY when set]')
            [CompletionResult]::new('--sarif', '--sarif', [CompletionResultType]::ParameterName, 'Also write the run''s SARIF log here (check, plan, diagnose, rescue and their fleet runs), for code scanning. A run that ends in an error (exit 1) writes none and removes a file already at FILE, so no upload can read "no findings" from it')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Only list what would be deleted, and what is left because its lease still runs')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Delete every ecsrole verify resource, whatever its lease (runs in progress too)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail on stderr (-v steps, -vv AWS calls, -vvv SDK internals)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail on stderr (-v steps, -vv AWS calls, -vvv SDK internals)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress, notes or human output: errors only, and the exit code tells the result (--output json still prints its document)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress, notes or human output: errors only, and the exit code tells the result (--output json still prints its document)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ecsrole;export' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'What to export')
            [CompletionResult]::new('--template-format', '--template-format', [CompletionResultType]::ParameterName, 'The template''s syntax')
            [CompletionResult]::new('--output-file', '--output-file', [CompletionResultType]::ParameterName, 'Write the template to this file instead of stdout')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read options from this TOML file; flags override it [default: ./ecsrole.toml when present]')
            [CompletionResult]::new('--role-name', '--role-name', [CompletionResultType]::ParameterName, 'The role AWS Batch instances use')
            [CompletionResult]::new('--instance-profile-name', '--instance-profile-name', [CompletionResultType]::ParameterName, 'The instance profile that carries the role [default: the role name]')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'IAM path of the role and instance profile (created there; a different one is reported)')
            [CompletionResult]::new('--extra-policy', '--extra-policy', [CompletionResultType]::ParameterName, 'Another managed policy that must be attached (repeatable)')
            [CompletionResult]::new('--kind', '--kind', [CompletionResultType]::ParameterName, 'What the role is for: ecs-ec2 (Batch EC2/SPOT, AmazonEC2ContainerServiceforEC2Role) or ecs-managed-instances (AmazonECSInstanceRolePolicyForManagedInstances; the role name must start with ecsInstanceRole)')
            [CompletionResult]::new('--partition', '--partition', [CompletionResultType]::ParameterName, 'aws, aws-cn or aws-us-gov [default: derived from the region]')
            [CompletionResult]::new('--tag', '--tag', [CompletionResultType]::ParameterName, 'A tag put on the role and instance profile ecsrole creates (repeatable), besides managed-by=ecsrole')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'ecsrole;completions' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'ecsrole;permissions' {
            [CompletionResult]::new('--command', '--command', [CompletionResultType]::ParameterName, 'The command(s) to grant (repeatable); `fleet` is the operator''s side of a fleet run (sts:AssumeRole on --assume-role-name), `all` every one')
            [CompletionResult]::new('--region', '--region', [CompletionResultType]::ParameterName, 'The region the operator works in: decides the partition when --partition is not given')
            [CompletionResult]::new('--assume-role-name', '--assume-role-name', [CompletionResultType]::ParameterName, 'The role a fleet run assumes in each account (scopes the `fleet` statement)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Read options from this TOML file; flags override it [default: ./ecsrole.toml when present]')
            [CompletionResult]::new('--role-name', '--role-name', [CompletionResultType]::ParameterName, 'The role AWS Batch instances use')
            [CompletionResult]::new('--instance-profile-name', '--instance-profile-name', [CompletionResultType]::ParameterName, 'The instance profile that carries the role [default: the role name]')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'IAM path of the role and instance profile (created there; a different one is reported)')
            [CompletionResult]::new('--extra-policy', '--extra-policy', [CompletionResultType]::ParameterName, 'Another managed policy that must be attached (repeatable)')
            [CompletionResult]::new('--kind', '--kind', [CompletionResultType]::ParameterName, 'What the role is for: ecs-ec2 (Batch EC2/SPOT, AmazonEC2ContainerServiceforEC2Role) or ecs-managed-instances (AmazonECSInstanceRolePolicyForManagedInstances; the role name must start with ecsInstanceRole)')
            [CompletionResult]::new('--partition', '--partition', [CompletionResultType]::ParameterName, 'aws, aws-cn or aws-us-gov [default: derived from the region]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'ecsrole;help' {
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Report drift (read-only). Exit 0 compliant, 2 drift, 1 could not decide')
            [CompletionResult]::new('plan', 'plan', [CompletionResultType]::ParameterValue, 'Show the changes apply would make (read-only). Exit 0 nothing to do, 2 changes pending')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Make the planned changes, then wait until IAM shows the instance profile with the role')
            [CompletionResult]::new('destroy', 'destroy', [CompletionResultType]::ParameterValue, 'Delete the role and instance profile ecsrole created (tagged managed-by=ecsrole)')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Prove the role works: an AWS Batch compute environment, an instance joining ECS, or a job succeeding; then tear everything down. Exit 0 verified, 2 drift, 3 the role does not work, 1 other errors')
            [CompletionResult]::new('diagnose', 'diagnose', [CompletionResultType]::ParameterValue, 'Explain why compute environments are INVALID, their instances never join ECS or their jobs sit in RUNNABLE (read-only). Exit 0 no error found, 2 errors found, 1 could not decide')
            [CompletionResult]::new('rescue', 'rescue', [CompletionResultType]::ParameterValue, 'Bring back compute environments their IAM left stuck (INVALID, or DELETING for hours): recreate what they name, let Batch validate them again or finish deleting, and remove what was recreated once nothing uses it. Exit 0 nothing stuck any more, 2 still stuck (or, with --dry-run, stuck), 1 could not act')
            [CompletionResult]::new('cleanup', 'cleanup', [CompletionResultType]::ParameterValue, 'Delete what earlier verify runs left behind (tagged ecsrole:verify-run and named ecsrole-verify-*)')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Print what apply would create as a CloudFormation template (for StackSets), to stdout or --output-file. Makes no AWS call')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script to stdout (bash, zsh, fish, powershell, elvish)')
            [CompletionResult]::new('permissions', 'permissions', [CompletionResultType]::ParameterValue, 'Print the least-privilege IAM policy (JSON) the operator needs, scoped to the role, instance profile, path and partition given. Makes no AWS call')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'ecsrole;help;check' {
            break
        }
        'ecsrole;help;plan' {
            break
        }
        'ecsrole;help;apply' {
            break
        }
        'ecsrole;help;destroy' {
            break
        }
        'ecsrole;help;verify' {
            break
        }
        'ecsrole;help;diagnose' {
            break
        }
        'ecsrole;help;rescue' {
            break
        }
        'ecsrole;help;cleanup' {
            break
        }
        'ecsrole;help;export' {
            break
        }
        'ecsrole;help;completions' {
            break
        }
        'ecsrole;help;permissions' {
            break
        }
        'ecsrole;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
