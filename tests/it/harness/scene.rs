//! The scene diagnose's tests (and CI's) play in: an account of the test's own, a
//! compliant instance role and its profile, a service role trusted by Batch, the default
//! network, every run through the proxy.

use aws_sdk_batch::types::{
    CeState, CeType, ComputeEnvironmentOrder, ComputeResource, CrType, JqState,
};

use super::Ctx;
use super::proxy::Proxy;

/// An account of the test's own, a compliant instance role (`ctx.role`, and its profile of
/// the same name), a service role trusted by Batch, and the default network.
pub struct Scene {
    pub ctx: Ctx,
    pub account: String,
    pub proxy: Proxy,
    pub subnet: String,
    pub group: String,
    pub service_role: String,
}

pub const BATCH_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"batch.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

impl Scene {
    pub async fn new(test: &str) -> Scene {
        let account =
            crate::harness::accounts(&Ctx::new(&format!("{test}_account")).await, 1).remove(0);
        let mut ctx = Ctx::in_account(test, &account).await;
        ctx.create_compliant(&[]).await;
        let service_role = Self::role(&ctx, &format!("{}-svc", ctx.role), BATCH_TRUST).await;
        crate::harness::aws_like_default_vpc(&ctx.ec2().await).await;
        let network = ctx.ec2().await.default_network().await.unwrap().unwrap();
        let proxy = ctx.through_proxy().await;
        Scene {
            account,
            subnet: network.subnets[0].clone(),
            group: network.security_groups[0].clone(),
            ctx,
            proxy,
            service_role,
        }
    }

    /// A role with this trust policy; its ARN.
    pub async fn role(ctx: &Ctx, name: &str, trust: &str) -> String {
        ctx.iam
            .create_role()
            .role_name(name)
            .assume_role_policy_document(trust)
            .send()
            .await
            .unwrap()
            .role()
            .unwrap()
            .arn()
            .to_owned()
    }

    /// A managed EC2 compute environment: instance profile `profile`, the scene's network
    /// and service role, 4 maxvCpus; `edit` changes the rest.
    pub async fn ce(
        &self,
        name: &str,
        profile: &str,
        edit: impl FnOnce(
            aws_sdk_batch::types::builders::ComputeResourceBuilder,
        ) -> aws_sdk_batch::types::builders::ComputeResourceBuilder,
    ) -> String {
        self.ce_with(name, profile, CeState::Enabled, &self.service_role, edit)
            .await
    }

    pub async fn ce_with(
        &self,
        name: &str,
        profile: &str,
        state: CeState,
        service_role: &str,
        edit: impl FnOnce(
            aws_sdk_batch::types::builders::ComputeResourceBuilder,
        ) -> aws_sdk_batch::types::builders::ComputeResourceBuilder,
    ) -> String {
        let resources = ComputeResource::builder()
            .r#type(CrType::Ec2)
            .minv_cpus(0)
            .maxv_cpus(4)
            .desiredv_cpus(0)
            .instance_types("optimal")
            .subnets(&self.subnet)
            .security_group_ids(&self.group)
            .instance_role(profile);
        self.ctx
            .batch
            .create_compute_environment()
            .compute_environment_name(name)
            .r#type(CeType::Managed)
            .state(state)
            .service_role(service_role)
            .compute_resources(edit(resources).build())
            .send()
            .await
            .unwrap()
            .compute_environment_arn()
            .unwrap()
            .to_owned()
    }

    pub async fn queue(&self, name: &str, ce: &str, state: JqState) -> String {
        self.ctx
            .batch
            .create_job_queue()
            .job_queue_name(name)
            .state(state)
            .priority(1)
            .compute_environment_order(
                ComputeEnvironmentOrder::builder()
                    .order(1)
                    .compute_environment(ce)
                    .build(),
            )
            .send()
            .await
            .unwrap()
            .job_queue_arn()
            .unwrap()
            .to_owned()
    }

    /// A profile holding `role` (none: empty).
    pub async fn profile(&self, name: &str, role: Option<&str>) {
        self.ctx.create_profile(name, role).await;
    }

    pub async fn ec2(
        &self,
        action: &'static str,
        params: &[(&str, &str)],
        path: &[&str],
    ) -> Vec<String> {
        self.ctx
            .ec2()
            .await
            .query_texts(action, params, path)
            .await
            .unwrap()
    }

    /// A job definition needing 1 vCPU and 128 MiB; its ARN.
    pub async fn definition(&self) -> String {
        use aws_sdk_batch::types::{ContainerProperties, ResourceRequirement, ResourceType};
        let need = |t, v: &str| ResourceRequirement::builder().r#type(t).value(v).build();
        self.ctx
            .batch
            .register_job_definition()
            .job_definition_name(format!("{}-def", self.ctx.role))
            .r#type(aws_sdk_batch::types::JobDefinitionType::Container)
            .container_properties(
                ContainerProperties::builder()
                    .image("busybox")
                    .command("true")
                    .resource_requirements(need(ResourceType::Vcpu, "1"))
                    .resource_requirements(need(ResourceType::Memory, "128"))
                    .build(),
            )
            .send()
            .await
            .unwrap()
            .job_definition_arn()
            .unwrap()
            .to_owned()
    }

    pub fn diagnose(&self, args: &[&str]) -> crate::harness::Run {
        let mut all = vec!["diagnose"];
        all.extend_from_slice(args);
        self.ctx.ecsrole_raw(&all)
    }
}
