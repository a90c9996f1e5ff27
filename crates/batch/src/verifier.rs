//! What verify, teardown and cleanup talk to: the role engine and the Batch, ECS, IAM and
//! EC2 clients of one account and region. The flows are `impl Verifier` blocks in
//! `verify.rs`, `teardown.rs` and `cleanup.rs`.

use ecsrole_core::{Engine, Iam};

use crate::api::BatchApi;
use crate::ec2::Ec2;

/// Everything verify and cleanup talk to.
pub struct Verifier {
    pub engine: Engine,
    pub iam: Iam,
    pub batch: BatchApi,
    /// `None` when no EC2 lookup may be made (then subnets and groups must be given).
    pub ec2: Option<Ec2>,
    pub region: String,
}
