//! `FARGATE` and `FARGATE_SPOT` environments on ECS: no instance of the account's, so no
//! instance profile; Batch's service role and the subnets named are all there is to judge
//! (a task's public IP is its job definition's `assignPublicIp`).

use super::KindDef;
use crate::api::Kind;

pub(super) const KIND: KindDef = KindDef {
    is: |_, c| c.managed && matches!(c.kind, Kind::Fargate { .. }),
    identity: "none",
    uses: |_| vec![],
    judge: |j| {
        j.service_role();
        j.missing_network();
    },
};
