//! IAM policy evaluation: the one evaluator every verdict about a policy comes from (who
//! may assume the role, whether the ECS agent may do its job, under the trust policy, the
//! role's managed and inline policies, its permissions boundary and the SCPs over it).
//!
//! - `grammar`: a document read into statements (every form IAM accepts);
//! - `matching`: wildcards with IAM's case rules;
//! - `condition`: every condition operator, `IfExists`, `ForAllValues:`/`ForAnyValue:`,
//!   policy variables;
//! - `eval`: one request under a set of policies, with keys known, absent or unknown:
//!   Allowed, Denied, or Depends (naming the keys that decide).
//!
//! Not evaluated: resource control policies, session policies, and the resource-based
//! policies of the resources the agent reaches (an ECR repository policy, say).

mod condition;
mod eval;
mod grammar;
mod matching;
#[cfg(test)]
mod tests;

pub use eval::{
    Context, Decision, Level, Named, PolicySet, Principal, Request, Resource, Slot, Verdict,
    evaluate,
};
pub use grammar::{
    Condition, Effect, Policy, PolicyError, PrincipalSpec, Principals, Statement, decode_document,
};
pub use matching::wildcard;
