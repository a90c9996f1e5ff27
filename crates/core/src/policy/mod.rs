//! IAM policy evaluation: the one evaluator every verdict about a policy comes from (who
//! may assume the role, whether the ECS agent may do its job, under the trust policy, the
//! role's managed and inline policies, its permissions boundary and the SCPs over it).
//!
//! - `grammar`: a document read into statements (every form IAM accepts);
//! - `matching`: wildcards with IAM's case rules (actions);
//! - `pattern`: a policy value as a pattern (wildcards, ARN parts, variables, escapes);
//! - `condition`: every condition operator, `IfExists`, `ForAllValues:`/`ForAnyValue:`;
//! - `request`: a question as a set of requests (keys known, absent, one of a few, free);
//! - `fxhash`: the fast hash of the evaluator's own tables;
//! - `classes`: the finitely many classes of a key's values the policies tell apart;
//! - `decide`: the exact search for an allowed and a denied request: Allowed, Denied,
//!   Depends (naming the keys that decide), each with a witness, or Undecided.
//!
//! Not evaluated: resource control policies, session policies, and the resource-based
//! policies of the resources the agent reaches (an ECR repository policy, say).

mod classes;
mod condition;
mod decide;
mod fxhash;
mod grammar;
mod matching;
mod pattern;
mod request;
#[cfg(test)]
mod tests;

pub use classes::iso;
pub use decide::{Decision, Level, MAX_NODES, Named, PolicySet, Verdict, Witness, evaluate};
pub use grammar::{
    Condition, Effect, Policy, PolicyError, PrincipalSpec, Principals, Statement, decode_document,
};
pub use matching::wildcard;
pub use pattern::{Pat, Reading, Tok};
pub use request::{Context, Principal, Request, Resource, Shape, Slot, multivalued};
