# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_ecsrole_global_optspecs
    string join \n h/help V/version
end

function __fish_ecsrole_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_ecsrole_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_ecsrole_using_subcommand
    set -l cmd (__fish_ecsrole_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c ecsrole -n "__fish_ecsrole_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ecsrole -n "__fish_ecsrole_needs_command" -s V -l version -d 'Print version'
complete -c ecsrole -n "__fish_ecsrole_needs_command" -f -a "check" -d 'Report drift (read-only). Exit 0 compliant, 2 drift, 1 could not decide'
complete -c ecsrole -n "__fish_ecsrole_needs_command" -f -a "plan" -d 'Show the changes apply would make (read-only). Exit 0 nothing to do, 2 changes pending'
complete -c ecsrole -n "__fish_ecsrole_needs_command" -f -a "apply" -d 'Make the planned changes, then wait until IAM shows the instance profile with the role'
complete -c ecsrole -n "__fish_ecsrole_needs_command" -f -a "destroy" -d 'Delete the role and instance profile ecsrole created (tagged managed-by=ecsrole)'
complete -c ecsrole -n "__fish_ecsrole_needs_command" -f -a "verify" -d 'Prove the role works: an AWS Batch compute environment, an instance joining ECS, or a job succeeding; then tear everything down. Exit 0 verified, 2 drift, 3 the role does not work, 1 other errors'
complete -c ecsrole -n "__fish_ecsrole_needs_command" -f -a "diagnose" -d 'Explain why compute environments are INVALID, their instances never join ECS or their jobs sit in RUNNABLE (read-only). Exit 0 no error found, 2 errors found, 1 could not decide'
complete -c ecsrole -n "__fish_ecsrole_needs_command" -f -a "rescue" -d 'Bring back compute environments their IAM left stuck (INVALID, or DELETING for hours): recreate what they name, let Batch validate them again or finish deleting, and remove what was recreated once nothing uses it. Exit 0 nothing stuck any more, 2 still stuck (or, with --dry-run, stuck), 1 could not act'
complete -c ecsrole -n "__fish_ecsrole_needs_command" -f -a "cleanup" -d 'Delete what earlier verify runs left behind (tagged ecsrole:verify-run and named ecsrole-verify-*)'
complete -c ecsrole -n "__fish_ecsrole_needs_command" -f -a "export" -d 'Print what apply would create as a CloudFormation template (for StackSets), to stdout or --output-file. Makes no AWS call'
complete -c ecsrole -n "__fish_ecsrole_needs_command" -f -a "completions" -d 'Print a shell completion script to stdout (bash, zsh, fish, powershell, elvish)'
complete -c ecsrole -n "__fish_ecsrole_needs_command" -f -a "permissions" -d 'Print the least-privilege IAM policy (JSON) the operator needs, scoped to the role, instance profile, path and partition given. Makes no AWS call'
complete -c ecsrole -n "__fish_ecsrole_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand check" -l config -d 'Read options from this TOML file; flags override it [default: ./ecsrole.toml when present]' -r -F
complete -c ecsrole -n "__fish_ecsrole_using_subcommand check" -l role-name -d 'The role AWS Batch instances use' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand check" -l instance-profile-name -d 'The instance profile that carries the role [default: the role name]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand check" -l path -d 'IAM path of the role and instance profile (created there; a different one is reported)' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand check" -l extra-policy -d 'Another managed policy that must be attached (repeatable)' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand check" -l kind -d 'What the role is for: ecs-ec2 (Batch EC2/SPOT, AmazonEC2ContainerServiceforEC2Role) or ecs-managed-instances (AmazonECSInstanceRolePolicyForManagedInstances; the role name must start with ecsInstanceRole)' -r -f -a "ecs-ec2\t''
ecs-managed-instances\t''"
complete -c ecsrole -n "__fish_ecsrole_using_subcommand check" -l partition -d 'aws, aws-cn or aws-us-gov [default: derived from the region]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand check" -l region -d 'AWS region [default: the standard chain; IAM is global]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand check" -l profile -d 'Named profile from the AWS config files' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand check" -l endpoint-url -d 'Send every AWS call here [default: AWS_ENDPOINT_URL* or AWS\'s endpoints]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand check" -l timeout -d 'Bound on the command, in seconds [default: 120; verify: 900, teardown not included]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand check" -l output -d 'Output format on stdout' -r -f -a "human\t''
json\t''
sarif\t'SARIF 2.1.0 (check, plan, diagnose, rescue and their fleet runs): for code scanning'"
complete -c ecsrole -n "__fish_ecsrole_using_subcommand check" -l fail-on -d 'Which findings fail the run: error (default), or warning (a run whose only findings are warnings exits 2 too)' -r -f -a "error\t''
warning\t''"
complete -c ecsrole -n "__fish_ecsrole_using_subcommand check" -l summary -d 'Append a Markdown summary of the run here [default: $GITHUB_STEP_SUMMARY when set]' -r -F
complete -c ecsrole -n "__fish_ecsrole_using_subcommand check" -l sarif -d 'Also write the run\'s SARIF log here (check, plan, diagnose, rescue and their fleet runs), for code scanning. A run that ends in an error (exit 1) writes none and removes a file already at FILE, so no upload can read "no findings" from it' -r -F
complete -c ecsrole -n "__fish_ecsrole_using_subcommand check" -l report -d 'Also write a JUnit XML report here' -r -F
complete -c ecsrole -n "__fish_ecsrole_using_subcommand check" -l account -d 'Fleet mode: run in this account through STS AssumeRole (repeatable)' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand check" -l accounts -d 'Fleet mode: accounts from a file, one id per line, `#` comments' -r -F
complete -c ecsrole -n "__fish_ecsrole_using_subcommand check" -l ou -d 'Fleet mode: the ACTIVE accounts under this organizational unit, recursively (repeatable)' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand check" -l exclude-account -d 'Fleet mode: leave this account out (repeatable)' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand check" -l assume-role-name -d 'Fleet mode: the role assumed in each account' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand check" -l concurrency -d 'Fleet mode: how many targets run at once' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand check" -s v -l verbose -d 'More detail on stderr (-v steps, -vv AWS calls, -vvv SDK internals)'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand check" -s q -l quiet -d 'No progress, notes or human output: errors only, and the exit code tells the result (--output json still prints its document)'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand check" -l organization -d 'Fleet mode: every ACTIVE account of the organisation (AWS Organizations; run with the management account\'s or a delegated administrator\'s credentials)'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand plan" -l config -d 'Read options from this TOML file; flags override it [default: ./ecsrole.toml when present]' -r -F
complete -c ecsrole -n "__fish_ecsrole_using_subcommand plan" -l role-name -d 'The role AWS Batch instances use' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand plan" -l instance-profile-name -d 'The instance profile that carries the role [default: the role name]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand plan" -l path -d 'IAM path of the role and instance profile (created there; a different one is reported)' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand plan" -l extra-policy -d 'Another managed policy that must be attached (repeatable)' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand plan" -l kind -d 'What the role is for: ecs-ec2 (Batch EC2/SPOT, AmazonEC2ContainerServiceforEC2Role) or ecs-managed-instances (AmazonECSInstanceRolePolicyForManagedInstances; the role name must start with ecsInstanceRole)' -r -f -a "ecs-ec2\t''
ecs-managed-instances\t''"
complete -c ecsrole -n "__fish_ecsrole_using_subcommand plan" -l partition -d 'aws, aws-cn or aws-us-gov [default: derived from the region]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand plan" -l region -d 'AWS region [default: the standard chain; IAM is global]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand plan" -l profile -d 'Named profile from the AWS config files' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand plan" -l endpoint-url -d 'Send every AWS call here [default: AWS_ENDPOINT_URL* or AWS\'s endpoints]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand plan" -l timeout -d 'Bound on the command, in seconds [default: 120; verify: 900, teardown not included]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand plan" -l output -d 'Output format on stdout' -r -f -a "human\t''
json\t''
sarif\t'SARIF 2.1.0 (check, plan, diagnose, rescue and their fleet runs): for code scanning'"
complete -c ecsrole -n "__fish_ecsrole_using_subcommand plan" -l fail-on -d 'Which findings fail the run: error (default), or warning (a run whose only findings are warnings exits 2 too)' -r -f -a "error\t''
warning\t''"
complete -c ecsrole -n "__fish_ecsrole_using_subcommand plan" -l summary -d 'Append a Markdown summary of the run here [default: $GITHUB_STEP_SUMMARY when set]' -r -F
complete -c ecsrole -n "__fish_ecsrole_using_subcommand plan" -l sarif -d 'Also write the run\'s SARIF log here (check, plan, diagnose, rescue and their fleet runs), for code scanning. A run that ends in an error (exit 1) writes none and removes a file already at FILE, so no upload can read "no findings" from it' -r -F
complete -c ecsrole -n "__fish_ecsrole_using_subcommand plan" -l report -d 'Also write a JUnit XML report here' -r -F
complete -c ecsrole -n "__fish_ecsrole_using_subcommand plan" -l account -d 'Fleet mode: run in this account through STS AssumeRole (repeatable)' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand plan" -l accounts -d 'Fleet mode: accounts from a file, one id per line, `#` comments' -r -F
complete -c ecsrole -n "__fish_ecsrole_using_subcommand plan" -l ou -d 'Fleet mode: the ACTIVE accounts under this organizational unit, recursively (repeatable)' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand plan" -l exclude-account -d 'Fleet mode: leave this account out (repeatable)' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand plan" -l assume-role-name -d 'Fleet mode: the role assumed in each account' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand plan" -l concurrency -d 'Fleet mode: how many targets run at once' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand plan" -l tag -d 'A tag put on the role and instance profile ecsrole creates (repeatable), besides managed-by=ecsrole' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand plan" -l replace-profile-role -d 'Remove another role from the instance profile to make room for this one'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand plan" -l replace-trust-policy -d 'Replace the trust policy with the EC2 one, dropping every other statement (the only way ecsrole removes a statement)'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand plan" -s v -l verbose -d 'More detail on stderr (-v steps, -vv AWS calls, -vvv SDK internals)'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand plan" -s q -l quiet -d 'No progress, notes or human output: errors only, and the exit code tells the result (--output json still prints its document)'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand plan" -l organization -d 'Fleet mode: every ACTIVE account of the organisation (AWS Organizations; run with the management account\'s or a delegated administrator\'s credentials)'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand plan" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand apply" -l wait-timeout -d 'How long to wait for IAM to show the instance profile with the role' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand apply" -l config -d 'Read options from this TOML file; flags override it [default: ./ecsrole.toml when present]' -r -F
complete -c ecsrole -n "__fish_ecsrole_using_subcommand apply" -l role-name -d 'The role AWS Batch instances use' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand apply" -l instance-profile-name -d 'The instance profile that carries the role [default: the role name]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand apply" -l path -d 'IAM path of the role and instance profile (created there; a different one is reported)' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand apply" -l extra-policy -d 'Another managed policy that must be attached (repeatable)' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand apply" -l kind -d 'What the role is for: ecs-ec2 (Batch EC2/SPOT, AmazonEC2ContainerServiceforEC2Role) or ecs-managed-instances (AmazonECSInstanceRolePolicyForManagedInstances; the role name must start with ecsInstanceRole)' -r -f -a "ecs-ec2\t''
ecs-managed-instances\t''"
complete -c ecsrole -n "__fish_ecsrole_using_subcommand apply" -l partition -d 'aws, aws-cn or aws-us-gov [default: derived from the region]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand apply" -l region -d 'AWS region [default: the standard chain; IAM is global]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand apply" -l profile -d 'Named profile from the AWS config files' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand apply" -l endpoint-url -d 'Send every AWS call here [default: AWS_ENDPOINT_URL* or AWS\'s endpoints]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand apply" -l timeout -d 'Bound on the command, in seconds [default: 120; verify: 900, teardown not included]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand apply" -l output -d 'Output format on stdout' -r -f -a "human\t''
json\t''
sarif\t'SARIF 2.1.0 (check, plan, diagnose, rescue and their fleet runs): for code scanning'"
complete -c ecsrole -n "__fish_ecsrole_using_subcommand apply" -l fail-on -d 'Which findings fail the run: error (default), or warning (a run whose only findings are warnings exits 2 too)' -r -f -a "error\t''
warning\t''"
complete -c ecsrole -n "__fish_ecsrole_using_subcommand apply" -l summary -d 'Append a Markdown summary of the run here [default: $GITHUB_STEP_SUMMARY when set]' -r -F
complete -c ecsrole -n "__fish_ecsrole_using_subcommand apply" -l sarif -d 'Also write the run\'s SARIF log here (check, plan, diagnose, rescue and their fleet runs), for code scanning. A run that ends in an error (exit 1) writes none and removes a file already at FILE, so no upload can read "no findings" from it' -r -F
complete -c ecsrole -n "__fish_ecsrole_using_subcommand apply" -l report -d 'Also write a JUnit XML report here' -r -F
complete -c ecsrole -n "__fish_ecsrole_using_subcommand apply" -l account -d 'Fleet mode: run in this account through STS AssumeRole (repeatable)' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand apply" -l accounts -d 'Fleet mode: accounts from a file, one id per line, `#` comments' -r -F
complete -c ecsrole -n "__fish_ecsrole_using_subcommand apply" -l ou -d 'Fleet mode: the ACTIVE accounts under this organizational unit, recursively (repeatable)' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand apply" -l exclude-account -d 'Fleet mode: leave this account out (repeatable)' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand apply" -l assume-role-name -d 'Fleet mode: the role assumed in each account' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand apply" -l concurrency -d 'Fleet mode: how many targets run at once' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand apply" -l tag -d 'A tag put on the role and instance profile ecsrole creates (repeatable), besides managed-by=ecsrole' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand apply" -l replace-profile-role -d 'Remove another role from the instance profile to make room for this one'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand apply" -l replace-trust-policy -d 'Replace the trust policy with the EC2 one, dropping every other statement (the only way ecsrole removes a statement)'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand apply" -l no-wait -d 'Do not wait for IAM to show the instance profile with the role'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand apply" -s v -l verbose -d 'More detail on stderr (-v steps, -vv AWS calls, -vvv SDK internals)'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand apply" -s q -l quiet -d 'No progress, notes or human output: errors only, and the exit code tells the result (--output json still prints its document)'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand apply" -l organization -d 'Fleet mode: every ACTIVE account of the organisation (AWS Organizations; run with the management account\'s or a delegated administrator\'s credentials)'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand apply" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand destroy" -l regions -d 'The regions whose compute environments are read for ones using the instance profile, comma-separated [default: the region]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand destroy" -l config -d 'Read options from this TOML file; flags override it [default: ./ecsrole.toml when present]' -r -F
complete -c ecsrole -n "__fish_ecsrole_using_subcommand destroy" -l role-name -d 'The role AWS Batch instances use' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand destroy" -l instance-profile-name -d 'The instance profile that carries the role [default: the role name]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand destroy" -l region -d 'AWS region [default: the standard chain; IAM is global]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand destroy" -l profile -d 'Named profile from the AWS config files' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand destroy" -l endpoint-url -d 'Send every AWS call here [default: AWS_ENDPOINT_URL* or AWS\'s endpoints]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand destroy" -l timeout -d 'Bound on the command, in seconds [default: 120; verify: 900, teardown not included]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand destroy" -l output -d 'Output format on stdout' -r -f -a "human\t''
json\t''
sarif\t'SARIF 2.1.0 (check, plan, diagnose, rescue and their fleet runs): for code scanning'"
complete -c ecsrole -n "__fish_ecsrole_using_subcommand destroy" -l fail-on -d 'Which findings fail the run: error (default), or warning (a run whose only findings are warnings exits 2 too)' -r -f -a "error\t''
warning\t''"
complete -c ecsrole -n "__fish_ecsrole_using_subcommand destroy" -l summary -d 'Append a Markdown summary of the run here [default: $GITHUB_STEP_SUMMARY when set]' -r -F
complete -c ecsrole -n "__fish_ecsrole_using_subcommand destroy" -l sarif -d 'Also write the run\'s SARIF log here (check, plan, diagnose, rescue and their fleet runs), for code scanning. A run that ends in an error (exit 1) writes none and removes a file already at FILE, so no upload can read "no findings" from it' -r -F
complete -c ecsrole -n "__fish_ecsrole_using_subcommand destroy" -l force -d 'Delete even what is not tagged managed-by=ecsrole, and take the role out of the other instance profiles that hold it. Never deletes a profile something uses: that is --delete-profile-in-use'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand destroy" -l delete-profile-in-use -d 'Delete the instance profile although a compute environment, an EC2 instance or a launch template uses it (or nothing can tell): the environment goes INVALID, the instances can no longer renew their credentials'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand destroy" -l dry-run -d 'Print what would be deleted and what stops it; delete nothing. Exit 0 when nothing stops it, 1 when something does'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand destroy" -s v -l verbose -d 'More detail on stderr (-v steps, -vv AWS calls, -vvv SDK internals)'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand destroy" -s q -l quiet -d 'No progress, notes or human output: errors only, and the exit code tells the result (--output json still prints its document)'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand destroy" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand verify" -l level -d 'How far to prove' -r -f -a "ce\t'The compute environment becomes VALID'
instance\t'A container instance registers in the compute environment\'s ECS cluster'
job\t'A job runs to SUCCEEDED'"
complete -c ecsrole -n "__fish_ecsrole_using_subcommand verify" -l subnet -d 'Subnet for the compute environment (repeatable) [default: the default VPC\'s]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand verify" -l security-group -d 'Security group (repeatable) [default: the default VPC\'s `default` group]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand verify" -l service-role -d 'Batch service role ARN [default: the service-linked role AWSServiceRoleForBatch, created when missing]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand verify" -l image -d 'Image the level-job test job runs (its command is `true`)' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand verify" -l propagation-allowance -d 'How long a just-created instance profile may be invisible to Batch: an INVALID compute environment naming it is waited out while the profile is younger' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand verify" -l registration-allowance -d 'How long an instance may run before it must have registered with ECS (verify: one older that never registered is evidence against the role, exit 3)' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand verify" -l config -d 'Read options from this TOML file; flags override it [default: ./ecsrole.toml when present]' -r -F
complete -c ecsrole -n "__fish_ecsrole_using_subcommand verify" -l role-name -d 'The role AWS Batch instances use' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand verify" -l instance-profile-name -d 'The instance profile that carries the role [default: the role name]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand verify" -l path -d 'IAM path of the role and instance profile (created there; a different one is reported)' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand verify" -l extra-policy -d 'Another managed policy that must be attached (repeatable)' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand verify" -l kind -d 'What the role is for: ecs-ec2 (Batch EC2/SPOT, AmazonEC2ContainerServiceforEC2Role) or ecs-managed-instances (AmazonECSInstanceRolePolicyForManagedInstances; the role name must start with ecsInstanceRole)' -r -f -a "ecs-ec2\t''
ecs-managed-instances\t''"
complete -c ecsrole -n "__fish_ecsrole_using_subcommand verify" -l partition -d 'aws, aws-cn or aws-us-gov [default: derived from the region]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand verify" -l region -d 'AWS region [default: the standard chain; IAM is global]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand verify" -l profile -d 'Named profile from the AWS config files' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand verify" -l endpoint-url -d 'Send every AWS call here [default: AWS_ENDPOINT_URL* or AWS\'s endpoints]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand verify" -l timeout -d 'Bound on the command, in seconds [default: 120; verify: 900, teardown not included]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand verify" -l output -d 'Output format on stdout' -r -f -a "human\t''
json\t''
sarif\t'SARIF 2.1.0 (check, plan, diagnose, rescue and their fleet runs): for code scanning'"
complete -c ecsrole -n "__fish_ecsrole_using_subcommand verify" -l fail-on -d 'Which findings fail the run: error (default), or warning (a run whose only findings are warnings exits 2 too)' -r -f -a "error\t''
warning\t''"
complete -c ecsrole -n "__fish_ecsrole_using_subcommand verify" -l summary -d 'Append a Markdown summary of the run here [default: $GITHUB_STEP_SUMMARY when set]' -r -F
complete -c ecsrole -n "__fish_ecsrole_using_subcommand verify" -l sarif -d 'Also write the run\'s SARIF log here (check, plan, diagnose, rescue and their fleet runs), for code scanning. A run that ends in an error (exit 1) writes none and removes a file already at FILE, so no upload can read "no findings" from it' -r -F
complete -c ecsrole -n "__fish_ecsrole_using_subcommand verify" -l report -d 'Also write a JUnit XML report here' -r -F
complete -c ecsrole -n "__fish_ecsrole_using_subcommand verify" -l account -d 'Fleet mode: run in this account through STS AssumeRole (repeatable)' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand verify" -l accounts -d 'Fleet mode: accounts from a file, one id per line, `#` comments' -r -F
complete -c ecsrole -n "__fish_ecsrole_using_subcommand verify" -l ou -d 'Fleet mode: the ACTIVE accounts under this organizational unit, recursively (repeatable)' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand verify" -l exclude-account -d 'Fleet mode: leave this account out (repeatable)' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand verify" -l assume-role-name -d 'Fleet mode: the role assumed in each account' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand verify" -l concurrency -d 'Fleet mode: how many targets run at once' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand verify" -l regions -d 'Fleet mode: the regions to run in, comma-separated [default: the region]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand verify" -l keep -d 'Leave the resources in place (remove them later with `ecsrole cleanup --run ID`)'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand verify" -s v -l verbose -d 'More detail on stderr (-v steps, -vv AWS calls, -vvv SDK internals)'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand verify" -s q -l quiet -d 'No progress, notes or human output: errors only, and the exit code tells the result (--output json still prints its document)'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand verify" -l organization -d 'Fleet mode: every ACTIVE account of the organisation (AWS Organizations; run with the management account\'s or a delegated administrator\'s credentials)'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand diagnose" -l compute-environment -d 'A compute environment to diagnose, by name or ARN (repeatable) [default: every compute environment and job queue in the region]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand diagnose" -l job-queue -d 'A job queue to diagnose, with its compute environments (repeatable)' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand diagnose" -l job -d 'A job to explain, with its queue and compute environments (repeatable)' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand diagnose" -l registration-allowance -d 'How long an instance may run before it must have registered with ECS (verify: one older that never registered is evidence against the role, exit 3)' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand diagnose" -l extra-policy -d 'Another managed policy the instance roles must have (repeatable)' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand diagnose" -l partition -d 'aws, aws-cn or aws-us-gov [default: derived from the region]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand diagnose" -l config -d 'Read options from this TOML file; flags override it [default: ./ecsrole.toml when present]' -r -F
complete -c ecsrole -n "__fish_ecsrole_using_subcommand diagnose" -l region -d 'AWS region [default: the standard chain; IAM is global]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand diagnose" -l profile -d 'Named profile from the AWS config files' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand diagnose" -l endpoint-url -d 'Send every AWS call here [default: AWS_ENDPOINT_URL* or AWS\'s endpoints]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand diagnose" -l timeout -d 'Bound on the command, in seconds [default: 120; verify: 900, teardown not included]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand diagnose" -l output -d 'Output format on stdout' -r -f -a "human\t''
json\t''
sarif\t'SARIF 2.1.0 (check, plan, diagnose, rescue and their fleet runs): for code scanning'"
complete -c ecsrole -n "__fish_ecsrole_using_subcommand diagnose" -l fail-on -d 'Which findings fail the run: error (default), or warning (a run whose only findings are warnings exits 2 too)' -r -f -a "error\t''
warning\t''"
complete -c ecsrole -n "__fish_ecsrole_using_subcommand diagnose" -l summary -d 'Append a Markdown summary of the run here [default: $GITHUB_STEP_SUMMARY when set]' -r -F
complete -c ecsrole -n "__fish_ecsrole_using_subcommand diagnose" -l sarif -d 'Also write the run\'s SARIF log here (check, plan, diagnose, rescue and their fleet runs), for code scanning. A run that ends in an error (exit 1) writes none and removes a file already at FILE, so no upload can read "no findings" from it' -r -F
complete -c ecsrole -n "__fish_ecsrole_using_subcommand diagnose" -l report -d 'Also write a JUnit XML report here' -r -F
complete -c ecsrole -n "__fish_ecsrole_using_subcommand diagnose" -l account -d 'Fleet mode: run in this account through STS AssumeRole (repeatable)' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand diagnose" -l accounts -d 'Fleet mode: accounts from a file, one id per line, `#` comments' -r -F
complete -c ecsrole -n "__fish_ecsrole_using_subcommand diagnose" -l ou -d 'Fleet mode: the ACTIVE accounts under this organizational unit, recursively (repeatable)' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand diagnose" -l exclude-account -d 'Fleet mode: leave this account out (repeatable)' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand diagnose" -l assume-role-name -d 'Fleet mode: the role assumed in each account' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand diagnose" -l concurrency -d 'Fleet mode: how many targets run at once' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand diagnose" -l regions -d 'Fleet mode: the regions to run in, comma-separated [default: the region]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand diagnose" -s v -l verbose -d 'More detail on stderr (-v steps, -vv AWS calls, -vvv SDK internals)'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand diagnose" -s q -l quiet -d 'No progress, notes or human output: errors only, and the exit code tells the result (--output json still prints its document)'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand diagnose" -l organization -d 'Fleet mode: every ACTIVE account of the organisation (AWS Organizations; run with the management account\'s or a delegated administrator\'s credentials)'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand diagnose" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand rescue" -l compute-environment -d 'A compute environment to rescue, by name or ARN (repeatable) [default: every stuck one in the region]. One that is not stuck is left alone, even with --delete' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand rescue" -l config -d 'Read options from this TOML file; flags override it [default: ./ecsrole.toml when present]' -r -F
complete -c ecsrole -n "__fish_ecsrole_using_subcommand rescue" -l region -d 'AWS region [default: the standard chain; IAM is global]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand rescue" -l profile -d 'Named profile from the AWS config files' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand rescue" -l endpoint-url -d 'Send every AWS call here [default: AWS_ENDPOINT_URL* or AWS\'s endpoints]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand rescue" -l timeout -d 'Bound on the command, in seconds [default: 120; verify: 900, teardown not included]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand rescue" -l output -d 'Output format on stdout' -r -f -a "human\t''
json\t''
sarif\t'SARIF 2.1.0 (check, plan, diagnose, rescue and their fleet runs): for code scanning'"
complete -c ecsrole -n "__fish_ecsrole_using_subcommand rescue" -l fail-on -d 'Which findings fail the run: error (default), or warning (a run whose only findings are warnings exits 2 too)' -r -f -a "error\t''
warning\t''"
complete -c ecsrole -n "__fish_ecsrole_using_subcommand rescue" -l summary -d 'Append a Markdown summary of the run here [default: $GITHUB_STEP_SUMMARY when set]' -r -F
complete -c ecsrole -n "__fish_ecsrole_using_subcommand rescue" -l sarif -d 'Also write the run\'s SARIF log here (check, plan, diagnose, rescue and their fleet runs), for code scanning. A run that ends in an error (exit 1) writes none and removes a file already at FILE, so no upload can read "no findings" from it' -r -F
complete -c ecsrole -n "__fish_ecsrole_using_subcommand rescue" -l report -d 'Also write a JUnit XML report here' -r -F
complete -c ecsrole -n "__fish_ecsrole_using_subcommand rescue" -l account -d 'Fleet mode: run in this account through STS AssumeRole (repeatable)' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand rescue" -l accounts -d 'Fleet mode: accounts from a file, one id per line, `#` comments' -r -F
complete -c ecsrole -n "__fish_ecsrole_using_subcommand rescue" -l ou -d 'Fleet mode: the ACTIVE accounts under this organizational unit, recursively (repeatable)' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand rescue" -l exclude-account -d 'Fleet mode: leave this account out (repeatable)' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand rescue" -l assume-role-name -d 'Fleet mode: the role assumed in each account' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand rescue" -l concurrency -d 'Fleet mode: how many targets run at once' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand rescue" -l regions -d 'Fleet mode: the regions to run in, comma-separated [default: the region]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand rescue" -l delete -d 'After the repair, delete the stuck compute environments (their job queues first)'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand rescue" -l dry-run -d 'Print what is stuck and the plan; write nothing'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand rescue" -s v -l verbose -d 'More detail on stderr (-v steps, -vv AWS calls, -vvv SDK internals)'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand rescue" -s q -l quiet -d 'No progress, notes or human output: errors only, and the exit code tells the result (--output json still prints its document)'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand rescue" -l organization -d 'Fleet mode: every ACTIVE account of the organisation (AWS Organizations; run with the management account\'s or a delegated administrator\'s credentials)'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand rescue" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand cleanup" -l run -d 'Delete this run\'s resources, whatever their lease (the id `verify` prints)' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand cleanup" -l config -d 'Read options from this TOML file; flags override it [default: ./ecsrole.toml when present]' -r -F
complete -c ecsrole -n "__fish_ecsrole_using_subcommand cleanup" -l region -d 'AWS region [default: the standard chain; IAM is global]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand cleanup" -l profile -d 'Named profile from the AWS config files' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand cleanup" -l endpoint-url -d 'Send every AWS call here [default: AWS_ENDPOINT_URL* or AWS\'s endpoints]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand cleanup" -l timeout -d 'Bound on the command, in seconds [default: 120; verify: 900, teardown not included]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand cleanup" -l output -d 'Output format on stdout' -r -f -a "human\t''
json\t''
sarif\t'SARIF 2.1.0 (check, plan, diagnose, rescue and their fleet runs): for code scanning'"
complete -c ecsrole -n "__fish_ecsrole_using_subcommand cleanup" -l fail-on -d 'Which findings fail the run: error (default), or warning (a run whose only findings are warnings exits 2 too)' -r -f -a "error\t''
warning\t''"
complete -c ecsrole -n "__fish_ecsrole_using_subcommand cleanup" -l summary -d 'Append a Markdown summary of the run here [default: $GITHUB_STEP_SUMMARY when set]' -r -F
complete -c ecsrole -n "__fish_ecsrole_using_subcommand cleanup" -l sarif -d 'Also write the run\'s SARIF log here (check, plan, diagnose, rescue and their fleet runs), for code scanning. A run that ends in an error (exit 1) writes none and removes a file already at FILE, so no upload can read "no findings" from it' -r -F
complete -c ecsrole -n "__fish_ecsrole_using_subcommand cleanup" -l dry-run -d 'Only list what would be deleted, and what is left because its lease still runs'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand cleanup" -l all -d 'Delete every ecsrole verify resource, whatever its lease (runs in progress too)'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand cleanup" -s v -l verbose -d 'More detail on stderr (-v steps, -vv AWS calls, -vvv SDK internals)'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand cleanup" -s q -l quiet -d 'No progress, notes or human output: errors only, and the exit code tells the result (--output json still prints its document)'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand cleanup" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand export" -l format -d 'What to export' -r -f -a "cloudformation\t'An AWS CloudFormation template: the role and its instance profile'"
complete -c ecsrole -n "__fish_ecsrole_using_subcommand export" -l template-format -d 'The template\'s syntax' -r -f -a "yaml\t''
json\t''"
complete -c ecsrole -n "__fish_ecsrole_using_subcommand export" -l output-file -d 'Write the template to this file instead of stdout' -r -F
complete -c ecsrole -n "__fish_ecsrole_using_subcommand export" -l config -d 'Read options from this TOML file; flags override it [default: ./ecsrole.toml when present]' -r -F
complete -c ecsrole -n "__fish_ecsrole_using_subcommand export" -l role-name -d 'The role AWS Batch instances use' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand export" -l instance-profile-name -d 'The instance profile that carries the role [default: the role name]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand export" -l path -d 'IAM path of the role and instance profile (created there; a different one is reported)' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand export" -l extra-policy -d 'Another managed policy that must be attached (repeatable)' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand export" -l kind -d 'What the role is for: ecs-ec2 (Batch EC2/SPOT, AmazonEC2ContainerServiceforEC2Role) or ecs-managed-instances (AmazonECSInstanceRolePolicyForManagedInstances; the role name must start with ecsInstanceRole)' -r -f -a "ecs-ec2\t''
ecs-managed-instances\t''"
complete -c ecsrole -n "__fish_ecsrole_using_subcommand export" -l partition -d 'aws, aws-cn or aws-us-gov [default: derived from the region]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand export" -l tag -d 'A tag put on the role and instance profile ecsrole creates (repeatable), besides managed-by=ecsrole' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand completions" -s h -l help -d 'Print help'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand permissions" -l command -d 'The command(s) to grant (repeatable); `fleet` is the operator\'s side of a fleet run (sts:AssumeRole on --assume-role-name), `all` every one' -r -f -a "check\t''
plan\t''
apply\t''
destroy\t''
verify\t''
cleanup\t''
diagnose\t''
rescue\t''
fleet\t''
all\t''"
complete -c ecsrole -n "__fish_ecsrole_using_subcommand permissions" -l region -d 'The region the operator works in: decides the partition when --partition is not given' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand permissions" -l assume-role-name -d 'The role a fleet run assumes in each account (scopes the `fleet` statement)' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand permissions" -l config -d 'Read options from this TOML file; flags override it [default: ./ecsrole.toml when present]' -r -F
complete -c ecsrole -n "__fish_ecsrole_using_subcommand permissions" -l role-name -d 'The role AWS Batch instances use' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand permissions" -l instance-profile-name -d 'The instance profile that carries the role [default: the role name]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand permissions" -l path -d 'IAM path of the role and instance profile (created there; a different one is reported)' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand permissions" -l extra-policy -d 'Another managed policy that must be attached (repeatable)' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand permissions" -l kind -d 'What the role is for: ecs-ec2 (Batch EC2/SPOT, AmazonEC2ContainerServiceforEC2Role) or ecs-managed-instances (AmazonECSInstanceRolePolicyForManagedInstances; the role name must start with ecsInstanceRole)' -r -f -a "ecs-ec2\t''
ecs-managed-instances\t''"
complete -c ecsrole -n "__fish_ecsrole_using_subcommand permissions" -l partition -d 'aws, aws-cn or aws-us-gov [default: derived from the region]' -r
complete -c ecsrole -n "__fish_ecsrole_using_subcommand permissions" -s h -l help -d 'Print help'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand help; and not __fish_seen_subcommand_from check plan apply destroy verify diagnose rescue cleanup export completions permissions help" -f -a "check" -d 'Report drift (read-only). Exit 0 compliant, 2 drift, 1 could not decide'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand help; and not __fish_seen_subcommand_from check plan apply destroy verify diagnose rescue cleanup export completions permissions help" -f -a "plan" -d 'Show the changes apply would make (read-only). Exit 0 nothing to do, 2 changes pending'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand help; and not __fish_seen_subcommand_from check plan apply destroy verify diagnose rescue cleanup export completions permissions help" -f -a "apply" -d 'Make the planned changes, then wait until IAM shows the instance profile with the role'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand help; and not __fish_seen_subcommand_from check plan apply destroy verify diagnose rescue cleanup export completions permissions help" -f -a "destroy" -d 'Delete the role and instance profile ecsrole created (tagged managed-by=ecsrole)'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand help; and not __fish_seen_subcommand_from check plan apply destroy verify diagnose rescue cleanup export completions permissions help" -f -a "verify" -d 'Prove the role works: an AWS Batch compute environment, an instance joining ECS, or a job succeeding; then tear everything down. Exit 0 verified, 2 drift, 3 the role does not work, 1 other errors'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand help; and not __fish_seen_subcommand_from check plan apply destroy verify diagnose rescue cleanup export completions permissions help" -f -a "diagnose" -d 'Explain why compute environments are INVALID, their instances never join ECS or their jobs sit in RUNNABLE (read-only). Exit 0 no error found, 2 errors found, 1 could not decide'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand help; and not __fish_seen_subcommand_from check plan apply destroy verify diagnose rescue cleanup export completions permissions help" -f -a "rescue" -d 'Bring back compute environments their IAM left stuck (INVALID, or DELETING for hours): recreate what they name, let Batch validate them again or finish deleting, and remove what was recreated once nothing uses it. Exit 0 nothing stuck any more, 2 still stuck (or, with --dry-run, stuck), 1 could not act'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand help; and not __fish_seen_subcommand_from check plan apply destroy verify diagnose rescue cleanup export completions permissions help" -f -a "cleanup" -d 'Delete what earlier verify runs left behind (tagged ecsrole:verify-run and named ecsrole-verify-*)'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand help; and not __fish_seen_subcommand_from check plan apply destroy verify diagnose rescue cleanup export completions permissions help" -f -a "export" -d 'Print what apply would create as a CloudFormation template (for StackSets), to stdout or --output-file. Makes no AWS call'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand help; and not __fish_seen_subcommand_from check plan apply destroy verify diagnose rescue cleanup export completions permissions help" -f -a "completions" -d 'Print a shell completion script to stdout (bash, zsh, fish, powershell, elvish)'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand help; and not __fish_seen_subcommand_from check plan apply destroy verify diagnose rescue cleanup export completions permissions help" -f -a "permissions" -d 'Print the least-privilege IAM policy (JSON) the operator needs, scoped to the role, instance profile, path and partition given. Makes no AWS call'
complete -c ecsrole -n "__fish_ecsrole_using_subcommand help; and not __fish_seen_subcommand_from check plan apply destroy verify diagnose rescue cleanup export completions permissions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
