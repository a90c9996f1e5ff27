//! A managed environment of a type newer than this SDK knows (`Kind::Other`): what it
//! does with `instanceRole` is not known here, so the profile it names counts as used
//! (destroy refuses to delete it) and only what every managed environment has is judged.

use super::KindDef;

pub(super) const KIND: KindDef = KindDef {
    is: |_, _| true,
    identity: "instance_profile",
    uses: super::instance_role,
    judge: |j| {
        j.service_role();
        j.missing_network();
    },
};
