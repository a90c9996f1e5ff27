//! Thin wrappers over the Batch and ECS clients: one method per action, every call
//! through `ecsrole_core::aws::call` (timeouts, bounded retries, errors naming the action).
//! What the describes answer is read into `model`'s types.

use std::collections::HashMap;

use aws_sdk_batch::Client as BatchClient;
use aws_sdk_batch::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_batch::types::{
    CeState, CeType, ComputeEnvironmentOrder, ComputeResource, ComputeResourceUpdate,
    ContainerProperties, CrType, JobDefinitionType, JobStatus, JqState, ResourceRequirement,
    ResourceType,
};
use aws_sdk_ecs::Client as EcsClient;
use ecsrole_core::aws::{Aws, Calls, call, call_paged};

use crate::error::Error;
pub use crate::status::{State, Status};

mod jobs;
mod kind;
mod model;

pub use kind::Kind;
pub use model::{Compute, Described, Job, JobDefinition, LaunchTemplate};

/// What a compute environment is created with.
#[derive(Debug, Clone)]
pub struct CeSpec<'a> {
    pub name: &'a str,
    pub instance_profile_arn: &'a str,
    pub service_role_arn: &'a str,
    pub subnets: &'a [String],
    pub security_groups: &'a [String],
    pub max_vcpus: i32,
    pub tags: &'a HashMap<String, String>,
}

/// The image verify's compute environment asks for.
pub const VERIFY_IMAGE_TYPE: &str = "ECS_AL2023";

#[derive(Debug, Clone)]
pub struct BatchApi {
    batch: BatchClient,
    ecs: EcsClient,
    calls: Calls,
    endpoint: String,
    /// The Batch endpoint, when it is not AWS's (an emulator, most likely).
    emulator: Option<String>,
}

fn required(
    action: &'static str,
    field: &'static str,
    value: Option<String>,
) -> Result<String, Error> {
    value.ok_or(Error::MissingField { action, field })
}

impl BatchApi {
    pub fn new(aws: &Aws) -> BatchApi {
        let mut batch = aws_sdk_batch::config::Builder::from(&aws.config);
        let mut ecs = aws_sdk_ecs::config::Builder::from(&aws.config);
        if let Some(t) = aws.calls.throttles() {
            batch.push_retry_classifier(t.shared());
            ecs.push_retry_classifier(t.shared());
        }
        batch.push_interceptor(aws.calls.clock().interceptor());
        ecs.push_interceptor(aws.calls.clock().interceptor());
        let mut api = BatchApi::from_clients(
            BatchClient::from_conf(batch.build()),
            EcsClient::from_conf(ecs.build()),
            aws.calls.clone(),
            aws.endpoint_name("Batch"),
        );
        api.emulator = aws
            .configured_endpoint("Batch")
            .filter(|u| !ecsrole_core::aws::is_aws_endpoint(u));
        api
    }

    /// The Batch endpoint, when it is not AWS's.
    pub fn emulator(&self) -> Option<&str> {
        self.emulator.as_deref()
    }

    /// The one timeout message (the bound, the calls in flight and where), for these
    /// clients' calls.
    pub fn timed_out(&self, bound: std::time::Duration) -> String {
        self.calls.timed_out(bound)
    }

    /// AWS's clock, as these clients' answers show it.
    pub fn clock(&self) -> ecsrole_core::aws::AwsClock {
        self.calls.clock()
    }

    /// From clients built elsewhere (tests build them with mocked responses).
    pub fn from_clients(
        batch: BatchClient,
        ecs: EcsClient,
        calls: Calls,
        endpoint: String,
    ) -> BatchApi {
        BatchApi {
            batch,
            ecs,
            calls,
            endpoint,
            emulator: None,
        }
    }

    pub async fn create_compute_environment(&self, spec: &CeSpec<'_>) -> Result<String, Error> {
        let resources = ComputeResource::builder()
            .r#type(CrType::Ec2)
            .minv_cpus(0)
            .desiredv_cpus(0)
            .maxv_cpus(spec.max_vcpus)
            .instance_types("optimal")
            .set_subnets(Some(spec.subnets.to_vec()))
            .set_security_group_ids(Some(spec.security_groups.to_vec()))
            .instance_role(spec.instance_profile_arn)
            // Explicitly Amazon Linux 2023: AWS ends support for the ECS-optimised AL2 AMIs
            // on 2026-06-30, and Batch's default for new ECS environments became AL2023 on
            // 2026-01-12 (aws-sdk-batch 1.138, `Ec2Configuration`); older API pages still
            // say ECS_AL2, so the run does not rely on the default.
            .ec2_configuration(
                aws_sdk_batch::types::Ec2Configuration::builder()
                    .image_type(VERIFY_IMAGE_TYPE)
                    .build(),
            )
            // Tags the EC2 instances Batch launches, so they can be traced to the run.
            .set_tags(Some(spec.tags.clone()))
            .build();
        let req = self
            .batch
            .create_compute_environment()
            .compute_environment_name(spec.name)
            .r#type(CeType::Managed)
            .state(CeState::Enabled)
            .service_role(spec.service_role_arn)
            .compute_resources(resources)
            .set_tags(Some(spec.tags.clone()));
        let out = call(
            &self.calls,
            &self.endpoint,
            "batch:CreateComputeEnvironment",
            req.send(),
        )
        .await?;
        required(
            "batch:CreateComputeEnvironment",
            "computeEnvironmentArn",
            out.compute_environment_arn,
        )
    }

    /// Every page of a paginated Batch call, each through `call`: `page(token)` sends one
    /// request, `take` collects its items and returns its next token.
    async fn paged<P, E, T, Fut>(
        &self,
        action: &'static str,
        page: impl Fn(Option<String>) -> Fut,
        take: impl Fn(P, &mut Vec<T>) -> Option<String>,
    ) -> Result<Vec<T>, Error>
    where
        Fut: std::future::Future<Output = Result<P, SdkError<E>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        Ok(call_paged(&self.calls, &self.endpoint, action, page, take).await?)
    }

    /// Compute environments by name or ARN, 100 to a call (the API's limit); all of them
    /// when `names` is empty.
    pub async fn describe_compute_environments(
        &self,
        names: &[&str],
    ) -> Result<Vec<Described>, Error> {
        if names.len() <= 100 {
            return self.compute_environments(names).await;
        }
        let mut out = vec![];
        for chunk in names.chunks(100) {
            out.extend(self.compute_environments(chunk).await?);
        }
        Ok(out)
    }

    async fn compute_environments(&self, names: &[&str]) -> Result<Vec<Described>, Error> {
        let page = |token| {
            let mut req = self
                .batch
                .describe_compute_environments()
                .set_next_token(token);
            for n in names {
                req = req.compute_environments(*n);
            }
            req.send()
        };
        self.paged("batch:DescribeComputeEnvironments", page, |page, out| {
            out.extend(page.compute_environments().iter().map(model::environment));
            page.next_token
        })
        .await
    }

    pub async fn disable_compute_environment(&self, name: &str) -> Result<(), Error> {
        self.set_compute_environment_state(name, false).await
    }

    pub async fn set_desired_vcpus(&self, name: &str, vcpus: i32) -> Result<(), Error> {
        let req = self
            .batch
            .update_compute_environment()
            .compute_environment(name)
            .compute_resources(
                ComputeResourceUpdate::builder()
                    .desiredv_cpus(vcpus)
                    .build(),
            );
        call(
            &self.calls,
            &self.endpoint,
            "batch:UpdateComputeEnvironment",
            req.send(),
        )
        .await?;
        Ok(())
    }

    /// Sets the environment's state. Given the state it has, the update changes nothing
    /// but makes Batch validate the environment again: how an INVALID environment whose
    /// IAM is back becomes VALID.
    pub async fn set_compute_environment_state(
        &self,
        name: &str,
        enabled: bool,
    ) -> Result<(), Error> {
        let state = if enabled {
            CeState::Enabled
        } else {
            CeState::Disabled
        };
        let req = self
            .batch
            .update_compute_environment()
            .compute_environment(name)
            .state(state);
        call(
            &self.calls,
            &self.endpoint,
            "batch:UpdateComputeEnvironment",
            req.send(),
        )
        .await?;
        Ok(())
    }

    pub async fn delete_compute_environment(&self, name: &str) -> Result<(), Error> {
        let req = self
            .batch
            .delete_compute_environment()
            .compute_environment(name);
        call(
            &self.calls,
            &self.endpoint,
            "batch:DeleteComputeEnvironment",
            req.send(),
        )
        .await?;
        Ok(())
    }

    pub async fn create_job_queue(
        &self,
        name: &str,
        compute_environment_arn: &str,
        tags: &HashMap<String, String>,
    ) -> Result<String, Error> {
        let order = ComputeEnvironmentOrder::builder()
            .order(1)
            .compute_environment(compute_environment_arn)
            .build();
        let req = self
            .batch
            .create_job_queue()
            .job_queue_name(name)
            .state(JqState::Enabled)
            .priority(1)
            .compute_environment_order(order)
            .set_tags(Some(tags.clone()));
        let out = call(
            &self.calls,
            &self.endpoint,
            "batch:CreateJobQueue",
            req.send(),
        )
        .await?;
        required("batch:CreateJobQueue", "jobQueueArn", out.job_queue_arn)
    }

    /// Job queues by name or ARN, 100 to a call (the API's limit); all of them when
    /// `names` is empty.
    pub async fn describe_job_queues(&self, names: &[&str]) -> Result<Vec<Described>, Error> {
        if names.len() <= 100 {
            return self.job_queues(names).await;
        }
        let mut out = vec![];
        for chunk in names.chunks(100) {
            out.extend(self.job_queues(chunk).await?);
        }
        Ok(out)
    }

    async fn job_queues(&self, names: &[&str]) -> Result<Vec<Described>, Error> {
        let page = |token| {
            let mut req = self.batch.describe_job_queues().set_next_token(token);
            for n in names {
                req = req.job_queues(*n);
            }
            req.send()
        };
        self.paged("batch:DescribeJobQueues", page, |page, out| {
            out.extend(page.job_queues().iter().map(model::queue));
            page.next_token
        })
        .await
    }

    pub async fn disable_job_queue(&self, name: &str) -> Result<(), Error> {
        let req = self
            .batch
            .update_job_queue()
            .job_queue(name)
            .state(JqState::Disabled);
        call(
            &self.calls,
            &self.endpoint,
            "batch:UpdateJobQueue",
            req.send(),
        )
        .await?;
        Ok(())
    }

    pub async fn delete_job_queue(&self, name: &str) -> Result<(), Error> {
        let req = self.batch.delete_job_queue().job_queue(name);
        call(
            &self.calls,
            &self.endpoint,
            "batch:DeleteJobQueue",
            req.send(),
        )
        .await?;
        Ok(())
    }

    /// Container instances registered in an ECS cluster.
    pub async fn container_instances(&self, cluster: &str) -> Result<Vec<String>, Error> {
        let req = self.ecs.list_container_instances().cluster(cluster);
        let out = call(
            &self.calls,
            &self.endpoint,
            "ecs:ListContainerInstances",
            req.send(),
        )
        .await?;
        Ok(out.container_instance_arns().to_vec())
    }

    /// The EC2 instance ids behind `cluster`'s container instances (100 to a
    /// `DescribeContainerInstances`).
    pub async fn container_instance_ids(&self, cluster: &str) -> Result<Vec<String>, Error> {
        let arns = self.container_instances(cluster).await?;
        let mut ids = vec![];
        for chunk in arns.chunks(100) {
            let req = self
                .ecs
                .describe_container_instances()
                .cluster(cluster)
                .set_container_instances(Some(chunk.to_vec()));
            let out = call(
                &self.calls,
                &self.endpoint,
                "ecs:DescribeContainerInstances",
                req.send(),
            )
            .await?;
            ids.extend(
                out.container_instances()
                    .iter()
                    .filter_map(|c| c.ec2_instance_id().map(str::to_owned)),
            );
        }
        Ok(ids)
    }
}
