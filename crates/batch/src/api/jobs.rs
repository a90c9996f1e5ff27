//! Job definitions and jobs: what verify registers and submits, and what diagnose and
//! verify read of them.

#[allow(unused_imports)]
use super::*;

impl BatchApi {
    /// A job definition running `image` with a command that exits 0.
    pub async fn register_job_definition(
        &self,
        name: &str,
        image: &str,
        tags: &HashMap<String, String>,
    ) -> Result<String, Error> {
        let requirement =
            |t: ResourceType, v: &str| ResourceRequirement::builder().r#type(t).value(v).build();
        let container = ContainerProperties::builder()
            .image(image)
            .command("true")
            .resource_requirements(requirement(ResourceType::Vcpu, "1"))
            .resource_requirements(requirement(ResourceType::Memory, "128"))
            .build();
        let req = self
            .batch
            .register_job_definition()
            .job_definition_name(name)
            .r#type(JobDefinitionType::Container)
            .container_properties(container)
            .set_tags(Some(tags.clone()));
        let out = call(
            &self.calls,
            &self.endpoint,
            "batch:RegisterJobDefinition",
            req.send(),
        )
        .await?;
        required(
            "batch:RegisterJobDefinition",
            "jobDefinitionArn",
            out.job_definition_arn,
        )
    }

    /// ACTIVE job definitions, of one name or (with `None`) all.
    pub async fn active_job_definitions(
        &self,
        name: Option<&str>,
    ) -> Result<Vec<JobDefinition>, Error> {
        let page = |token| {
            self.batch
                .describe_job_definitions()
                .set_job_definition_name(name.map(str::to_owned))
                .status("ACTIVE")
                .set_next_token(token)
                .send()
        };
        self.paged("batch:DescribeJobDefinitions", page, |page, out| {
            for d in page.job_definitions() {
                if let (Some(arn), Some(name), true) = (
                    d.job_definition_arn(),
                    d.job_definition_name(),
                    d.status().is_none_or(|s| s == "ACTIVE"),
                ) {
                    out.push(JobDefinition {
                        arn: arn.to_owned(),
                        name: name.to_owned(),
                        tags: d.tags().cloned().unwrap_or_default(),
                    });
                }
            }
            page.next_token
        })
        .await
    }

    pub async fn deregister_job_definition(&self, arn: &str) -> Result<(), Error> {
        let req = self.batch.deregister_job_definition().job_definition(arn);
        call(
            &self.calls,
            &self.endpoint,
            "batch:DeregisterJobDefinition",
            req.send(),
        )
        .await?;
        Ok(())
    }

    pub async fn submit_job(
        &self,
        name: &str,
        queue: &str,
        definition: &str,
    ) -> Result<String, Error> {
        let req = self
            .batch
            .submit_job()
            .job_name(name)
            .job_queue(queue)
            .job_definition(definition);
        let out = call(&self.calls, &self.endpoint, "batch:SubmitJob", req.send()).await?;
        required("batch:SubmitJob", "jobId", out.job_id)
    }

    /// The job's status and status reason.
    pub async fn describe_job(&self, id: &str) -> Result<Option<(JobStatus, String)>, Error> {
        Ok(self
            .describe_jobs(&[id])
            .await?
            .into_iter()
            .next()
            .map(|j| (j.status, j.status_reason)))
    }

    /// Jobs by id, 100 to a call (DescribeJobs' limit).
    pub async fn describe_jobs(&self, ids: &[&str]) -> Result<Vec<Job>, Error> {
        let mut jobs = vec![];
        for chunk in ids.chunks(100) {
            let mut req = self.batch.describe_jobs();
            for id in chunk {
                req = req.jobs(*id);
            }
            let out = call(
                &self.calls,
                &self.endpoint,
                "batch:DescribeJobs",
                req.send(),
            )
            .await?;
            jobs.extend(out.jobs().iter().map(model::job));
        }
        Ok(jobs)
    }
}
