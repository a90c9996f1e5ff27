//! diagnose's reads. First what was selected: jobs (100 to a `DescribeJobs`), their queues
//! and the queues named (100 to a `DescribeJobQueues`), their compute environments and the
//! ones named (100 to a `DescribeComputeEnvironments`); with no selection every compute
//! environment and job queue (paginated). Then, concurrently and bounded, one read per
//! distinct thing the environments point at: instance profiles, service roles, launch
//! templates, the subnets and security groups (200 ids to a call), the ECS clusters and
//! instances of environments that want capacity; then the roles the profiles hold.

use std::collections::{HashMap, HashSet};
use std::time::SystemTime;

use ecsrole_core::concurrent::run_all;
use ecsrole_core::state::{ProfileState, RoleState};

use super::kinds::{self, Uses};
use super::{DiagnoseOptions, Diagnoser};
use crate::api::{Described, Job, LaunchTemplate};
use crate::ec2::{Instance, InstanceType};
use crate::error::Error;
use crate::network::NetworkFacts;

pub use super::facts::*;

#[derive(Debug, Clone)]
enum Read {
    Profile(String),
    ServiceRole(String),
    ServiceLinkedRole,
    Template(LaunchTemplate),
    Network(Vec<String>, Vec<String>),
    Cluster(String),
    Instances(Vec<String>),
    InstanceTypes(Vec<String>),
    Unmanaged(String),
    Role(String),
    RoleExists(String),
}

enum Answer {
    Profile(String, Option<ProfileState>),
    ServiceRole(String, Option<RoleState>),
    ServiceLinkedRole(Option<String>),
    Template(LaunchTemplate, TemplateRead),
    Network(Box<NetworkFacts>),
    Cluster(String, usize),
    Instances(Vec<Instance>),
    InstanceTypes(Vec<InstanceType>),
    Unmanaged(String, Vec<Instance>),
    Role(String, RoleRead),
    RoleExists(String, bool),
}

impl Diagnoser {
    async fn one(self, item: Read) -> Result<Answer, Error> {
        Ok(match item {
            Read::Profile(value) => {
                let name = profile_name(&value).unwrap_or_default().to_owned();
                let p = self.iam.get_instance_profile(&name).await?;
                Answer::Profile(value, p)
            }
            Read::ServiceRole(arn) => {
                let r = self.iam.get_role(role_name(&arn)).await?;
                Answer::ServiceRole(arn, r)
            }
            Read::ServiceLinkedRole => {
                Answer::ServiceLinkedRole(self.iam.find_batch_service_linked_role().await?)
            }
            Read::Template(t) => {
                let read = self
                    .ec2
                    .launch_template_profile(
                        t.id.as_deref(),
                        t.name.as_deref(),
                        t.version.as_deref(),
                    )
                    .await;
                let read = match read {
                    Ok(p) => TemplateRead::Profile(p),
                    Err(Error::Core(ecsrole_core::Error::Service { code, message, .. }))
                        if code.contains("NotFound") =>
                    {
                        TemplateRead::Missing(format!("{code}: {message}"))
                    }
                    Err(e) => return Err(e),
                };
                Answer::Template(t, read)
            }
            Read::Network(subnets, groups) => {
                Answer::Network(Box::new(self.ec2.network_facts(&subnets, &groups).await?))
            }
            Read::Cluster(arn) => {
                let n = self.batch.container_instances(&arn).await?.len();
                Answer::Cluster(arn, n)
            }
            Read::Instances(subnets) => {
                let subnets: Vec<&str> = subnets.iter().map(String::as_str).collect();
                let filters = [
                    ("instance-state-name", &["pending", "running"][..]),
                    ("subnet-id", &subnets[..]),
                ];
                Answer::Instances(self.ec2.instances(&filters).await?)
            }
            Read::InstanceTypes(patterns) => {
                Answer::InstanceTypes(self.ec2.instance_types(&patterns).await?)
            }
            Read::Unmanaged(cluster) => {
                let ids = self.batch.container_instance_ids(&cluster).await?;
                let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
                let mut found = vec![];
                // EC2 takes at most 200 values in a filter.
                for chunk in ids.chunks(200) {
                    found.extend(self.ec2.instances(&[("instance-id", chunk)]).await?);
                }
                Answer::Unmanaged(cluster, found)
            }
            Read::Role(name) => {
                let read = self.iam.read_role(&name).await?;
                Answer::Role(name, read)
            }
            Read::RoleExists(name) => {
                let exists = self.iam.get_role(&name).await?.is_some();
                Answer::RoleExists(name, exists)
            }
        })
    }

    /// Runs the reads, at most `concurrency` at once; the first failure fails them all.
    async fn all(&self, items: Vec<Read>, concurrency: usize) -> Result<Vec<Answer>, Error> {
        run_all(
            &items,
            concurrency,
            |item| self.clone().one(item),
            |_, _, _| {},
        )
        .await
        .into_iter()
        .collect()
    }
}

fn push_unique(list: &mut Vec<String>, value: &str) {
    if !value.is_empty() && !list.iter().any(|v| v == value) {
        list.push(value.to_owned());
    }
}

/// Fails naming the first of `wanted` that `found` does not match.
fn all_found(
    what: &'static str,
    wanted: &[String],
    found: impl Fn(&str) -> bool,
) -> Result<(), Error> {
    match wanted.iter().find(|w| !found(w)) {
        Some(name) => Err(Error::NotFound {
            what,
            name: name.clone(),
        }),
        None => Ok(()),
    }
}

fn dedup_by_arn(list: Vec<Described>) -> Vec<Described> {
    let mut seen = HashSet::new();
    list.into_iter()
        .filter(|d| !d.gone() && seen.insert(d.arn.clone()))
        .collect()
}

fn strs(list: &[String]) -> Vec<&str> {
    list.iter().map(String::as_str).collect()
}

/// The selected jobs, queues and compute environments (see the module's doc).
async fn selected(
    d: &Diagnoser,
    opts: &DiagnoseOptions,
) -> Result<(Vec<Described>, Vec<Described>, Vec<Job>), Error> {
    let sel = &opts.selection;
    if sel.is_empty() {
        let (ces, queues) = tokio::try_join!(
            d.batch.describe_compute_environments(&[]),
            d.batch.describe_job_queues(&[])
        )?;
        return Ok((dedup_by_arn(ces), dedup_by_arn(queues), vec![]));
    }
    let jobs = if sel.jobs.is_empty() {
        vec![]
    } else {
        d.batch.describe_jobs(&strs(&sel.jobs)).await?
    };
    all_found("job", &sel.jobs, |id| jobs.iter().any(|j| j.id == id))?;
    let mut queue_refs = sel.job_queues.clone();
    for j in &jobs {
        push_unique(&mut queue_refs, &j.queue);
    }
    let queues = if queue_refs.is_empty() {
        vec![]
    } else {
        dedup_by_arn(d.batch.describe_job_queues(&strs(&queue_refs)).await?)
    };
    let named = |list: &[Described], r: &str| list.iter().any(|x| x.name == r || x.arn == r);
    all_found("job queue", &sel.job_queues, |r| named(&queues, r))?;
    let mut ce_refs = sel.compute_environments.clone();
    for q in &queues {
        for e in &q.environments {
            push_unique(&mut ce_refs, e);
        }
    }
    let ces = if ce_refs.is_empty() {
        vec![]
    } else {
        dedup_by_arn(
            d.batch
                .describe_compute_environments(&strs(&ce_refs))
                .await?,
        )
    };
    all_found("compute environment", &sel.compute_environments, |r| {
        named(&ces, r)
    })?;
    Ok((ces, queues, jobs))
}

pub(crate) async fn read(d: &Diagnoser, opts: &DiagnoseOptions) -> Result<Facts, Error> {
    let (environments, queues, jobs) = selected(d, opts).await?;
    let mut facts = Facts {
        environments,
        queues,
        jobs,
        profiles: HashMap::new(),
        roles: HashMap::new(),
        service_roles: HashMap::new(),
        service_linked_role: None,
        templates: HashMap::new(),
        subnets: HashSet::new(),
        security_groups: HashSet::new(),
        network: NetworkFacts::default(),
        region: d.ec2.region().to_owned(),
        registered: HashMap::new(),
        instances: vec![],
        instance_types: vec![],
        unmanaged: HashMap::new(),
        now: SystemTime::now(),
        scps: opts.scps.clone(),
        scps_failed: opts.scps_failed.clone(),
    };

    let mut profiles = vec![];
    let mut service_roles = vec![];
    let mut slr = false;
    let mut templates: Vec<LaunchTemplate> = vec![];
    let (mut subnets, mut groups, mut clusters, mut busy_subnets) =
        (vec![], vec![], vec![], vec![]);
    let mut unmanaged: Vec<String> = vec![];
    let mut role_policies: Vec<String> = vec![];
    for ce in &facts.environments {
        let Some(c) = &ce.compute else { continue };
        match &ce.service_role {
            Some(arn) => push_unique(&mut service_roles, arn),
            None => slr = c.managed,
        }
        // What its kind uses: profiles (a role's ARN given as one is judged as such),
        // roles Batch or ECS assume (read as service roles are), roles whose policies are
        // judged.
        for used in (kinds::of(ce, c).uses)(c) {
            match used {
                Uses::Profile { value, .. } => match profile_name(&value) {
                    Some(_) => push_unique(&mut profiles, &value),
                    None => {
                        facts.profiles.insert(value, ProfileRead::RoleArn);
                    }
                },
                Uses::AssumedRole(arn) => push_unique(&mut service_roles, &arn),
                Uses::RoleWithPolicies(arn) => push_unique(&mut role_policies, role_name(&arn)),
            }
        }
        if let Some(t) = &c.launch_template
            && !templates.contains(t)
        {
            templates.push(t.clone());
        }
        for s in &c.subnets {
            push_unique(&mut subnets, s);
        }
        for g in &c.security_groups {
            push_unique(&mut groups, g);
        }
        if !c.managed
            && let Some(cluster) = &ce.ecs_cluster_arn
        {
            push_unique(&mut unmanaged, cluster);
        }
        if wants_capacity(ce) {
            if let Some(cluster) = &ce.ecs_cluster_arn {
                push_unique(&mut clusters, cluster);
            }
            for s in &c.subnets {
                push_unique(&mut busy_subnets, s);
            }
        }
    }
    let mut items: Vec<Read> = profiles.into_iter().map(Read::Profile).collect();
    items.extend(unmanaged.into_iter().map(Read::Unmanaged));
    items.extend(role_policies.into_iter().map(Read::Role));
    items.extend(service_roles.into_iter().map(Read::ServiceRole));
    if slr {
        items.push(Read::ServiceLinkedRole);
    }
    items.extend(templates.into_iter().map(Read::Template));
    if !subnets.is_empty() || !groups.is_empty() {
        items.push(Read::Network(subnets, groups));
    }
    items.extend(clusters.into_iter().map(Read::Cluster));
    // EC2 takes at most 200 values in a filter.
    items.extend(
        busy_subnets
            .chunks(200)
            .map(|c| Read::Instances(c.to_vec())),
    );

    // A waiting job is judged against the instance types its queue's environments allow.
    let mut patterns = vec![];
    for j in facts.jobs.iter().filter(|j| waits(j)) {
        for q in facts
            .queues
            .iter()
            .filter(|q| q.arn == j.queue || q.name == j.queue)
        {
            for ce in facts
                .environments
                .iter()
                .filter(|c| q.environments.iter().any(|r| *r == c.arn || *r == c.name))
            {
                for t in ce.compute.iter().flat_map(|c| &c.instance_types) {
                    for p in type_patterns(t) {
                        push_unique(&mut patterns, &p);
                    }
                }
            }
        }
    }
    if !patterns.is_empty() {
        items.push(Read::InstanceTypes(patterns));
    }
    let mut then = vec![];
    for answer in d.all(items, opts.concurrency).await? {
        match answer {
            Answer::Profile(value, Some(p)) => {
                for r in &p.roles {
                    if !then.iter().any(|t| matches!(t, Read::Role(n) if n == r)) {
                        then.push(Read::Role(r.clone()));
                    }
                }
                facts.profiles.insert(value, ProfileRead::Found(p));
            }
            Answer::Profile(value, None) => {
                let name = profile_name(&value).unwrap_or_default().to_owned();
                then.push(Read::RoleExists(name));
                facts.profiles.insert(
                    value,
                    ProfileRead::Missing {
                        role_of_that_name: false,
                    },
                );
            }
            Answer::ServiceRole(arn, role) => {
                facts.service_roles.insert(arn, role);
            }
            Answer::ServiceLinkedRole(arn) => facts.service_linked_role = Some(arn),
            Answer::Template(t, read) => {
                facts.templates.insert(t, read);
            }
            Answer::Network(network) => {
                facts.subnets.extend(network.subnets.keys().cloned());
                facts.security_groups.extend(network.groups.keys().cloned());
                facts.network = *network;
            }
            Answer::Cluster(arn, n) => {
                facts.registered.insert(arn, n);
            }
            Answer::Instances(list) => facts.instances.extend(list),
            Answer::InstanceTypes(list) => facts.instance_types.extend(list),
            Answer::Unmanaged(cluster, list) => {
                for arn in list
                    .iter()
                    .filter_map(|i| i.instance_profile_arn.as_deref())
                {
                    if !facts.profiles.contains_key(arn)
                        && !then
                            .iter()
                            .any(|t| matches!(t, Read::Profile(p) if p == arn))
                    {
                        then.push(Read::Profile(arn.to_owned()));
                    }
                }
                facts.unmanaged.insert(cluster, list);
            }
            Answer::Role(name, read) => {
                facts.roles.insert(name, read);
            }
            Answer::RoleExists(..) => {}
        }
    }
    // The profiles of UNMANAGED environments' instances were read in that round: their
    // roles now.
    let mut last = vec![];
    for answer in d.all(then, opts.concurrency).await? {
        match answer {
            Answer::Profile(value, found) => {
                if let Some(p) = &found {
                    for r in &p.roles {
                        if !facts.roles.contains_key(r)
                            && !last.iter().any(|t| matches!(t, Read::Role(n) if n == r))
                        {
                            last.push(Read::Role(r.clone()));
                        }
                    }
                }
                let read = match found {
                    Some(p) => ProfileRead::Found(p),
                    None => ProfileRead::Missing {
                        role_of_that_name: false,
                    },
                };
                facts.profiles.insert(value, read);
            }
            Answer::Role(name, read) => {
                facts.roles.insert(name, read);
            }
            Answer::RoleExists(name, true) => {
                for (value, read) in facts.profiles.iter_mut() {
                    if profile_name(value) == Some(name.as_str())
                        && let ProfileRead::Missing { role_of_that_name } = read
                    {
                        *role_of_that_name = true;
                    }
                }
            }
            _ => {}
        }
    }
    for answer in d.all(last, opts.concurrency).await? {
        if let Answer::Role(name, read) = answer {
            facts.roles.entry(name).or_insert(read);
        }
    }
    // Ages are measured on AWS's clock (LaunchTime and CreateDate are AWS's), as these
    // answers showed it.
    facts.now = d.batch.clock().now();
    Ok(facts)
}
