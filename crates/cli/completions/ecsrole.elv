
use builtin;
use str;

set edit:completion:arg-completer[ecsrole] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'ecsrole'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'ecsrole'= {
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand check 'Report drift (read-only). Exit 0 compliant, 2 drift, 1 could not decide'
            cand plan 'Show the changes apply would make (read-only). Exit 0 nothing to do, 2 changes pending'
            cand apply 'Make the planned changes, then wait until IAM shows the instance profile with the role'
            cand destroy 'Delete the role and instance profile ecsrole created (tagged managed-by=ecsrole)'
            cand verify 'Prove the role works: an AWS Batch compute environment, an instance joining ECS, or a job succeeding; then tear everything down. Exit 0 verified, 2 drift, 3 the role does not work, 1 other errors'
            cand diagnose 'Explain why compute environments are INVALID, their instances never join ECS or their jobs sit in RUNNABLE (read-only). Exit 0 no error found, 2 errors found, 1 could not decide'
            cand rescue 'Bring back compute environments their IAM left stuck (INVALID, or DELETING for hours): recreate what they name, let Batch validate them again or finish deleting, and remove what was recreated once nothing uses it. Exit 0 nothing stuck any more, 2 still stuck (or, with --dry-run, stuck), 1 could not act'
            cand cleanup 'Delete what earlier verify runs left behind (tagged ecsrole:verify-run and named ecsrole-verify-*)'
            cand export 'Print what apply would create as a CloudFormation template (for StackSets), to stdout or --output-file. Makes no AWS call'
            cand completions 'Print a shell completion script to stdout (bash, zsh, fish, powershell, elvish)'
            cand permissions 'Print the least-privilege IAM policy (JSON) the operator needs, scoped to the role, instance profile, path and partition given. Makes no AWS call'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ecsrole;check'= {
            cand --config 'Read options from this TOML file; flags override it [default: ./ecsrole.toml when present]'
            cand --role-name 'The role AWS Batch instances use'
            cand --instance-profile-name 'The instance profile that carries the role [default: the role name]'
            cand --path 'IAM path of the role and instance profile (created there; a different one is reported)'
            cand --extra-policy 'Another managed policy that must be attached (repeatable)'
            cand --kind 'What the role is for: ecs-ec2 (Batch EC2/SPOT, AmazonEC2ContainerServiceforEC2Role) or ecs-managed-instances (AmazonECSInstanceRolePolicyForManagedInstances; the role name must start with ecsInstanceRole)'
            cand --partition 'aws, aws-cn or aws-us-gov [default: derived from the region]'
            cand --region 'AWS region [default: the standard chain; IAM is global]'
            cand --profile 'Named profile from the AWS config files'
            cand --endpoint-url 'Send every AWS call here [default: AWS_ENDPOINT_URL* or AWS''s endpoints]'
            cand --timeout 'Bound on the command, in seconds [default: 120; verify: 900, teardown not included]'
            cand --output 'Output format on stdout'
            cand --fail-on 'Which findings fail the run: error (default), or warning (a run whose only findings are warnings exits 2 too)'
            cand --summary 'Append a Markdown summary of the run here [default: $GITHUB_STEP_SUMMARY when set]'
            cand --sarif 'Also write the run''s SARIF log here (check, plan, diagnose, rescue and their fleet runs), for code scanning. A run that ends in an error (exit 1) writes none and removes a file already at FILE, so no upload can read "no findings" from it'
            cand --report 'Also write a JUnit XML report here'
            cand --account 'Fleet mode: run in this account through STS AssumeRole (repeatable)'
            cand --accounts 'Fleet mode: accounts from a file, one id per line, `#` comments'
            cand --ou 'Fleet mode: the ACTIVE accounts under this organizational unit, recursively (repeatable)'
            cand --exclude-account 'Fleet mode: leave this account out (repeatable)'
            cand --assume-role-name 'Fleet mode: the role assumed in each account'
            cand --concurrency 'Fleet mode: how many targets run at once'
            cand -v 'More detail on stderr (-v steps, -vv AWS calls, -vvv SDK internals)'
            cand --verbose 'More detail on stderr (-v steps, -vv AWS calls, -vvv SDK internals)'
            cand -q 'No progress, notes or human output: errors only, and the exit code tells the result (--output json still prints its document)'
            cand --quiet 'No progress, notes or human output: errors only, and the exit code tells the result (--output json still prints its document)'
            cand --organization 'Fleet mode: every ACTIVE account of the organisation (AWS Organizations; run with the management account''s or a delegated administrator''s credentials)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ecsrole;plan'= {
            cand --config 'Read options from this TOML file; flags override it [default: ./ecsrole.toml when present]'
            cand --role-name 'The role AWS Batch instances use'
            cand --instance-profile-name 'The instance profile that carries the role [default: the role name]'
            cand --path 'IAM path of the role and instance profile (created there; a different one is reported)'
            cand --extra-policy 'Another managed policy that must be attached (repeatable)'
            cand --kind 'What the role is for: ecs-ec2 (Batch EC2/SPOT, AmazonEC2ContainerServiceforEC2Role) or ecs-managed-instances (AmazonECSInstanceRolePolicyForManagedInstances; the role name must start with ecsInstanceRole)'
            cand --partition 'aws, aws-cn or aws-us-gov [default: derived from the region]'
            cand --region 'AWS region [default: the standard chain; IAM is global]'
            cand --profile 'Named profile from the AWS config files'
            cand --endpoint-url 'Send every AWS call here [default: AWS_ENDPOINT_URL* or AWS''s endpoints]'
            cand --timeout 'Bound on the command, in seconds [default: 120; verify: 900, teardown not included]'
            cand --output 'Output format on stdout'
            cand --fail-on 'Which findings fail the run: error (default), or warning (a run whose only findings are warnings exits 2 too)'
            cand --summary 'Append a Markdown summary of the run here [default: $GITHUB_STEP_SUMMARY when set]'
            cand --sarif 'Also write the run''s SARIF log here (check, plan, diagnose, rescue and their fleet runs), for code scanning. A run that ends in an error (exit 1) writes none and removes a file already at FILE, so no upload can read "no findings" from it'
            cand --report 'Also write a JUnit XML report here'
            cand --account 'Fleet mode: run in this account through STS AssumeRole (repeatable)'
            cand --accounts 'Fleet mode: accounts from a file, one id per line, `#` comments'
            cand --ou 'Fleet mode: the ACTIVE accounts under this organizational unit, recursively (repeatable)'
            cand --exclude-account 'Fleet mode: leave this account out (repeatable)'
            cand --assume-role-name 'Fleet mode: the role assumed in each account'
            cand --concurrency 'Fleet mode: how many targets run at once'
            cand --tag 'A tag put on the role and instance profile ecsrole creates (repeatable), besides managed-by=ecsrole'
            cand --replace-profile-role 'Remove another role from the instance profile to make room for this one'
            cand --replace-trust-policy 'Replace the trust policy with the EC2 one, dropping every other statement (the only way ecsrole removes a statement)'
            cand -v 'More detail on stderr (-v steps, -vv AWS calls, -vvv SDK internals)'
            cand --verbose 'More detail on stderr (-v steps, -vv AWS calls, -vvv SDK internals)'
            cand -q 'No progress, notes or human output: errors only, and the exit code tells the result (--output json still prints its document)'
            cand --quiet 'No progress, notes or human output: errors only, and the exit code tells the result (--output json still prints its document)'
            cand --organization 'Fleet mode: every ACTIVE account of the organisation (AWS Organizations; run with the management account''s or a delegated administrator''s credentials)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ecsrole;apply'= {
            cand --wait-timeout 'How long to wait for IAM to show the instance profile with the role'
            cand --config 'Read options from this TOML file; flags override it [default: ./ecsrole.toml when present]'
            cand --role-name 'The role AWS Batch instances use'
            cand --instance-profile-name 'The instance profile that carries the role [default: the role name]'
            cand --path 'IAM path of the role and instance profile (created there; a different one is reported)'
            cand --extra-policy 'Another managed policy that must be attached (repeatable)'
            cand --kind 'What the role is for: ecs-ec2 (Batch EC2/SPOT, AmazonEC2ContainerServiceforEC2Role) or ecs-managed-instances (AmazonECSInstanceRolePolicyForManagedInstances; the role name must start with ecsInstanceRole)'
            cand --partition 'aws, aws-cn or aws-us-gov [default: derived from the region]'
            cand --region 'AWS region [default: the standard chain; IAM is global]'
            cand --profile 'Named profile from the AWS config files'
            cand --endpoint-url 'Send every AWS call here [default: AWS_ENDPOINT_URL* or AWS''s endpoints]'
            cand --timeout 'Bound on the command, in seconds [default: 120; verify: 900, teardown not included]'
            cand --output 'Output format on stdout'
            cand --fail-on 'Which findings fail the run: error (default), or warning (a run whose only findings are warnings exits 2 too)'
            cand --summary 'Append a Markdown summary of the run here [default: $GITHUB_STEP_SUMMARY when set]'
            cand --sarif 'Also write the run''s SARIF log here (check, plan, diagnose, rescue and their fleet runs), for code scanning. A run that ends in an error (exit 1) writes none and removes a file already at FILE, so no upload can read "no findings" from it'
            cand --report 'Also write a JUnit XML report here'
            cand --account 'Fleet mode: run in this account through STS AssumeRole (repeatable)'
            cand --accounts 'Fleet mode: accounts from a file, one id per line, `#` comments'
            cand --ou 'Fleet mode: the ACTIVE accounts under this organizational unit, recursively (repeatable)'
            cand --exclude-account 'Fleet mode: leave this account out (repeatable)'
            cand --assume-role-name 'Fleet mode: the role assumed in each account'
            cand --concurrency 'Fleet mode: how many targets run at once'
            cand --tag 'A tag put on the role and instance profile ecsrole creates (repeatable), besides managed-by=ecsrole'
            cand --replace-profile-role 'Remove another role from the instance profile to make room for this one'
            cand --replace-trust-policy 'Replace the trust policy with the EC2 one, dropping every other statement (the only way ecsrole removes a statement)'
            cand --no-wait 'Do not wait for IAM to show the instance profile with the role'
            cand -v 'More detail on stderr (-v steps, -vv AWS calls, -vvv SDK internals)'
            cand --verbose 'More detail on stderr (-v steps, -vv AWS calls, -vvv SDK internals)'
            cand -q 'No progress, notes or human output: errors only, and the exit code tells the result (--output json still prints its document)'
            cand --quiet 'No progress, notes or human output: errors only, and the exit code tells the result (--output json still prints its document)'
            cand --organization 'Fleet mode: every ACTIVE account of the organisation (AWS Organizations; run with the management account''s or a delegated administrator''s credentials)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ecsrole;destroy'= {
            cand --regions 'The regions whose compute environments are read for ones using the instance profile, comma-separated [default: the region]'
            cand --config 'Read options from this TOML file; flags override it [default: ./ecsrole.toml when present]'
            cand --role-name 'The role AWS Batch instances use'
            cand --instance-profile-name 'The instance profile that carries the role [default: the role name]'
            cand --region 'AWS region [default: the standard chain; IAM is global]'
            cand --profile 'Named profile from the AWS config files'
            cand --endpoint-url 'Send every AWS call here [default: AWS_ENDPOINT_URL* or AWS''s endpoints]'
            cand --timeout 'Bound on the command, in seconds [default: 120; verify: 900, teardown not included]'
            cand --output 'Output format on stdout'
            cand --fail-on 'Which findings fail the run: error (default), or warning (a run whose only findings are warnings exits 2 too)'
            cand --summary 'Append a Markdown summary of the run here [default: $GITHUB_STEP_SUMMARY when set]'
            cand --sarif 'Also write the run''s SARIF log here (check, plan, diagnose, rescue and their fleet runs), for code scanning. A run that ends in an error (exit 1) writes none and removes a file already at FILE, so no upload can read "no findings" from it'
            cand --force 'Delete even what is not tagged managed-by=ecsrole, and take the role out of the other instance profiles that hold it. Never deletes a profile something uses: that is --delete-profile-in-use'
            cand --delete-profile-in-use 'Delete the instance profile although a compute environment, an EC2 instance or a launch template uses it (or nothing can tell): the environment goes INVALID, the instances can no longer renew their credentials'
            cand --dry-run 'Print what would be deleted and what stops it; delete nothing. Exit 0 when nothing stops it, 1 when something does'
            cand -v 'More detail on stderr (-v steps, -vv AWS calls, -vvv SDK internals)'
            cand --verbose 'More detail on stderr (-v steps, -vv AWS calls, -vvv SDK internals)'
            cand -q 'No progress, notes or human output: errors only, and the exit code tells the result (--output json still prints its document)'
            cand --quiet 'No progress, notes or human output: errors only, and the exit code tells the result (--output json still prints its document)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ecsrole;verify'= {
            cand --level 'How far to prove'
            cand --subnet 'Subnet for the compute environment (repeatable) [default: the default VPC''s]'
            cand --security-group 'Security group (repeatable) [default: the default VPC''s `default` group]'
            cand --service-role 'Batch service role ARN [default: the service-linked role AWSServiceRoleForBatch, created when missing]'
            cand --image 'Image the level-job test job runs (its command is `true`)'
            cand --propagation-allowance 'How long a just-created instance profile may be invisible to Batch: an INVALID compute environment naming it is waited out while the profile is younger'
            cand --registration-allowance 'How long an instance may run before it must have registered with ECS (verify: one older that never registered is evidence against the role, exit 3)'
            cand --config 'Read options from this TOML file; flags override it [default: ./ecsrole.toml when present]'
            cand --role-name 'The role AWS Batch instances use'
            cand --instance-profile-name 'The instance profile that carries the role [default: the role name]'
            cand --path 'IAM path of the role and instance profile (created there; a different one is reported)'
            cand --extra-policy 'Another managed policy that must be attached (repeatable)'
            cand --kind 'What the role is for: ecs-ec2 (Batch EC2/SPOT, AmazonEC2ContainerServiceforEC2Role) or ecs-managed-instances (AmazonECSInstanceRolePolicyForManagedInstances; the role name must start with ecsInstanceRole)'
            cand --partition 'aws, aws-cn or aws-us-gov [default: derived from the region]'
            cand --region 'AWS region [default: the standard chain; IAM is global]'
            cand --profile 'Named profile from the AWS config files'
            cand --endpoint-url 'Send every AWS call here [default: AWS_ENDPOINT_URL* or AWS''s endpoints]'
            cand --timeout 'Bound on the command, in seconds [default: 120; verify: 900, teardown not included]'
            cand --output 'Output format on stdout'
            cand --fail-on 'Which findings fail the run: error (default), or warning (a run whose only findings are warnings exits 2 too)'
            cand --summary 'Append a Markdown summary of the run here [default: $GITHUB_STEP_SUMMARY when set]'
            cand --sarif 'Also write the run''s SARIF log here (check, plan, diagnose, rescue and their fleet runs), for code scanning. A run that ends in an error (exit 1) writes none and removes a file already at FILE, so no upload can read "no findings" from it'
            cand --report 'Also write a JUnit XML report here'
            cand --account 'Fleet mode: run in this account through STS AssumeRole (repeatable)'
            cand --accounts 'Fleet mode: accounts from a file, one id per line, `#` comments'
            cand --ou 'Fleet mode: the ACTIVE accounts under this organizational unit, recursively (repeatable)'
            cand --exclude-account 'Fleet mode: leave this account out (repeatable)'
            cand --assume-role-name 'Fleet mode: the role assumed in each account'
            cand --concurrency 'Fleet mode: how many targets run at once'
            cand --regions 'Fleet mode: the regions to run in, comma-separated [default: the region]'
            cand --keep 'Leave the resources in place (remove them later with `ecsrole cleanup --run ID`)'
            cand -v 'More detail on stderr (-v steps, -vv AWS calls, -vvv SDK internals)'
            cand --verbose 'More detail on stderr (-v steps, -vv AWS calls, -vvv SDK internals)'
            cand -q 'No progress, notes or human output: errors only, and the exit code tells the result (--output json still prints its document)'
            cand --quiet 'No progress, notes or human output: errors only, and the exit code tells the result (--output json still prints its document)'
            cand --organization 'Fleet mode: every ACTIVE account of the organisation (AWS Organizations; run with the management account''s or a delegated administrator''s credentials)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ecsrole;diagnose'= {
            cand --compute-environment 'A compute environment to diagnose, by name or ARN (repeatable) [default: every compute environment and job queue in the region]'
            cand --job-queue 'A job queue to diagnose, with its compute environments (repeatable)'
            cand --job 'A job to explain, with its queue and compute environments (repeatable)'
            cand --registration-allowance 'How long an instance may run before it must have registered with ECS (verify: one older that never registered is evidence against the role, exit 3)'
            cand --extra-policy 'Another managed policy the instance roles must have (repeatable)'
            cand --partition 'aws, aws-cn or aws-us-gov [default: derived from the region]'
            cand --config 'Read options from this TOML file; flags override it [default: ./ecsrole.toml when present]'
            cand --region 'AWS region [default: the standard chain; IAM is global]'
            cand --profile 'Named profile from the AWS config files'
            cand --endpoint-url 'Send every AWS call here [default: AWS_ENDPOINT_URL* or AWS''s endpoints]'
            cand --timeout 'Bound on the command, in seconds [default: 120; verify: 900, teardown not included]'
            cand --output 'Output format on stdout'
            cand --fail-on 'Which findings fail the run: error (default), or warning (a run whose only findings are warnings exits 2 too)'
            cand --summary 'Append a Markdown summary of the run here [default: $GITHUB_STEP_SUMMARY when set]'
            cand --sarif 'Also write the run''s SARIF log here (check, plan, diagnose, rescue and their fleet runs), for code scanning. A run that ends in an error (exit 1) writes none and removes a file already at FILE, so no upload can read "no findings" from it'
            cand --report 'Also write a JUnit XML report here'
            cand --account 'Fleet mode: run in this account through STS AssumeRole (repeatable)'
            cand --accounts 'Fleet mode: accounts from a file, one id per line, `#` comments'
            cand --ou 'Fleet mode: the ACTIVE accounts under this organizational unit, recursively (repeatable)'
            cand --exclude-account 'Fleet mode: leave this account out (repeatable)'
            cand --assume-role-name 'Fleet mode: the role assumed in each account'
            cand --concurrency 'Fleet mode: how many targets run at once'
            cand --regions 'Fleet mode: the regions to run in, comma-separated [default: the region]'
            cand -v 'More detail on stderr (-v steps, -vv AWS calls, -vvv SDK internals)'
            cand --verbose 'More detail on stderr (-v steps, -vv AWS calls, -vvv SDK internals)'
            cand -q 'No progress, notes or human output: errors only, and the exit code tells the result (--output json still prints its document)'
            cand --quiet 'No progress, notes or human output: errors only, and the exit code tells the result (--output json still prints its document)'
            cand --organization 'Fleet mode: every ACTIVE account of the organisation (AWS Organizations; run with the management account''s or a delegated administrator''s credentials)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ecsrole;rescue'= {
            cand --compute-environment 'A compute environment to rescue, by name or ARN (repeatable) [default: every stuck one in the region]. One that is not stuck is left alone, even with --delete'
            cand --config 'Read options from this TOML file; flags override it [default: ./ecsrole.toml when present]'
            cand --region 'AWS region [default: the standard chain; IAM is global]'
            cand --profile 'Named profile from the AWS config files'
            cand --endpoint-url 'Send every AWS call here [default: AWS_ENDPOINT_URL* or AWS''s endpoints]'
            cand --timeout 'Bound on the command, in seconds [default: 120; verify: 900, teardown not included]'
            cand --output 'Output format on stdout'
            cand --fail-on 'Which findings fail the run: error (default), or warning (a run whose only findings are warnings exits 2 too)'
            cand --summary 'Append a Markdown summary of the run here [default: $GITHUB_STEP_SUMMARY when set]'
            cand --sarif 'Also write the run''s SARIF log here (check, plan, diagnose, rescue and their fleet runs), for code scanning. A run that ends in an error (exit 1) writes none and removes a file already at FILE, so no upload can read "no findings" from it'
            cand --report 'Also write a JUnit XML report here'
            cand --delete 'After the repair, delete the stuck compute environments (their job queues first)'
            cand --dry-run 'Print what is stuck and the plan; write nothing'
            cand -v 'More detail on stderr (-v steps, -vv AWS calls, -vvv SDK internals)'
            cand --verbose 'More detail on stderr (-v steps, -vv AWS calls, -vvv SDK internals)'
            cand -q 'No progress, notes or human output: errors only, and the exit code tells the result (--output json still prints its document)'
            cand --quiet 'No progress, notes or human output: errors only, and the exit code tells the result (--output json still prints its document)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ecsrole;cleanup'= {
            cand --run 'Delete this run''s resources, whatever their lease (the id `verify` prints)'
            cand --config 'Read options from this TOML file; flags override it [default: ./ecsrole.toml when present]'
            cand --region 'AWS region [default: the standard chain; IAM is global]'
            cand --profile 'Named profile from the AWS config files'
            cand --endpoint-url 'Send every AWS call here [default: AWS_ENDPOINT_URL* or AWS''s endpoints]'
            cand --timeout 'Bound on the command, in seconds [default: 120; verify: 900, teardown not included]'
            cand --output 'Output format on stdout'
            cand --fail-on 'Which findings fail the run: error (default), or warning (a run whose only findings are warnings exits 2 too)'
            cand --summary 'Append a Markdown summary of the run here [default: $GITHUB_STEP_SUMMARY when set]'
            cand --sarif 'Also write the run''s SARIF log here (check, plan, diagnose, rescue and their fleet runs), for code scanning. A run that ends in an error (exit 1) writes none and removes a file already at FILE, so no upload can read "no findings" from it'
            cand --dry-run 'Only list what would be deleted, and what is left because its lease still runs'
            cand --all 'Delete every ecsrole verify resource, whatever its lease (runs in progress too)'
            cand -v 'More detail on stderr (-v steps, -vv AWS calls, -vvv SDK internals)'
            cand --verbose 'More detail on stderr (-v steps, -vv AWS calls, -vvv SDK internals)'
            cand -q 'No progress, notes or human output: errors only, and the exit code tells the result (--output json still prints its document)'
            cand --quiet 'No progress, notes or human output: errors only, and the exit code tells the result (--output json still prints its document)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ecsrole;export'= {
            cand --format 'What to export'
            cand --template-format 'The template''s syntax'
            cand --output-file 'Write the template to this file instead of stdout'
            cand --config 'Read options from this TOML file; flags override it [default: ./ecsrole.toml when present]'
            cand --role-name 'The role AWS Batch instances use'
            cand --instance-profile-name 'The instance profile that carries the role [default: the role name]'
            cand --path 'IAM path of the role and instance profile (created there; a different one is reported)'
            cand --extra-policy 'Another managed policy that must be attached (repeatable)'
            cand --kind 'What the role is for: ecs-ec2 (Batch EC2/SPOT, AmazonEC2ContainerServiceforEC2Role) or ecs-managed-instances (AmazonECSInstanceRolePolicyForManagedInstances; the role name must start with ecsInstanceRole)'
            cand --partition 'aws, aws-cn or aws-us-gov [default: derived from the region]'
            cand --tag 'A tag put on the role and instance profile ecsrole creates (repeatable), besides managed-by=ecsrole'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'ecsrole;completions'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'ecsrole;permissions'= {
            cand --command 'The command(s) to grant (repeatable); `fleet` is the operator''s side of a fleet run (sts:AssumeRole on --assume-role-name), `all` every one'
            cand --region 'The region the operator works in: decides the partition when --partition is not given'
            cand --assume-role-name 'The role a fleet run assumes in each account (scopes the `fleet` statement)'
            cand --config 'Read options from this TOML file; flags override it [default: ./ecsrole.toml when present]'
            cand --role-name 'The role AWS Batch instances use'
            cand --instance-profile-name 'The instance profile that carries the role [default: the role name]'
            cand --path 'IAM path of the role and instance profile (created there; a different one is reported)'
            cand --extra-policy 'Another managed policy that must be attached (repeatable)'
            cand --kind 'What the role is for: ecs-ec2 (Batch EC2/SPOT, AmazonEC2ContainerServiceforEC2Role) or ecs-managed-instances (AmazonECSInstanceRolePolicyForManagedInstances; the role name must start with ecsInstanceRole)'
            cand --partition 'aws, aws-cn or aws-us-gov [default: derived from the region]'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'ecsrole;help'= {
            cand check 'Report drift (read-only). Exit 0 compliant, 2 drift, 1 could not decide'
            cand plan 'Show the changes apply would make (read-only). Exit 0 nothing to do, 2 changes pending'
            cand apply 'Make the planned changes, then wait until IAM shows the instance profile with the role'
            cand destroy 'Delete the role and instance profile ecsrole created (tagged managed-by=ecsrole)'
            cand verify 'Prove the role works: an AWS Batch compute environment, an instance joining ECS, or a job succeeding; then tear everything down. Exit 0 verified, 2 drift, 3 the role does not work, 1 other errors'
            cand diagnose 'Explain why compute environments are INVALID, their instances never join ECS or their jobs sit in RUNNABLE (read-only). Exit 0 no error found, 2 errors found, 1 could not decide'
            cand rescue 'Bring back compute environments their IAM left stuck (INVALID, or DELETING for hours): recreate what they name, let Batch validate them again or finish deleting, and remove what was recreated once nothing uses it. Exit 0 nothing stuck any more, 2 still stuck (or, with --dry-run, stuck), 1 could not act'
            cand cleanup 'Delete what earlier verify runs left behind (tagged ecsrole:verify-run and named ecsrole-verify-*)'
            cand export 'Print what apply would create as a CloudFormation template (for StackSets), to stdout or --output-file. Makes no AWS call'
            cand completions 'Print a shell completion script to stdout (bash, zsh, fish, powershell, elvish)'
            cand permissions 'Print the least-privilege IAM policy (JSON) the operator needs, scoped to the role, instance profile, path and partition given. Makes no AWS call'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'ecsrole;help;check'= {
        }
        &'ecsrole;help;plan'= {
        }
        &'ecsrole;help;apply'= {
        }
        &'ecsrole;help;destroy'= {
        }
        &'ecsrole;help;verify'= {
        }
        &'ecsrole;help;diagnose'= {
        }
        &'ecsrole;help;rescue'= {
        }
        &'ecsrole;help;cleanup'= {
        }
        &'ecsrole;help;export'= {
        }
        &'ecsrole;help;completions'= {
        }
        &'ecsrole;help;permissions'= {
        }
        &'ecsrole;help;help'= {
        }
    ]
    $completions[$command]
}
