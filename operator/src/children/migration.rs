//! The Job that runs `gochat migrate` for an image; the components roll to an image only
//! after its migration succeeded.

use k8s_openapi::api::{
    batch::v1::{Job, JobSpec},
    core::v1::PodTemplateSpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use sha2::{Digest, Sha256};

use super::{
    Owner,
    config::hex,
    deployment::{SecretNeeds, container, pod_spec},
};
use crate::crd::ComponentSpec;

/// How long a finished migration Job is kept for inspection.
const KEEP_FINISHED_SECONDS: i32 = 24 * 3600;

/// The Job name suffix for `image`: a short digest, so each image gets its own Job.
pub fn image_hash(image: &str) -> String {
    hex(&Sha256::digest(image.as_bytes())[..5])
}

/// The migration Job for `image`.
pub fn build(owner: &Owner<'_>, image: &str) -> Job {
    let names = &owner.names;
    let mut labels = names.labels();
    labels.insert(
        "app.kubernetes.io/component".to_owned(),
        "migrate".to_owned(),
    );
    let spec = ComponentSpec::default();
    let needs = SecretNeeds {
        cql: true,
        smtp: false,
    };
    let mut pod = pod_spec(
        owner,
        container(owner, "migrate", image, needs, Vec::new(), &spec),
        &spec,
    );
    pod.restart_policy = Some("Never".to_owned());
    Job {
        metadata: owner.meta(names.migration(&image_hash(image)), labels.clone()),
        spec: Some(JobSpec {
            backoff_limit: Some(4),
            active_deadline_seconds: Some(900),
            ttl_seconds_after_finished: Some(KEEP_FINISHED_SECONDS),
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels),
                    ..ObjectMeta::default()
                }),
                spec: Some(pod),
            },
            ..JobSpec::default()
        }),
        ..Job::default()
    }
}

/// Where a migration Job stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Still running (or not started).
    Running,
    /// Completed successfully.
    Succeeded,
    /// Gave up (backoff limit or deadline).
    Failed,
}

/// Reads the Job's conditions.
pub fn outcome(job: &Job) -> Outcome {
    let conditions = job
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .map(Vec::as_slice)
        .unwrap_or_default();
    let holds = |kind: &str| {
        conditions
            .iter()
            .any(|c| c.type_ == kind && c.status == "True")
    };
    if holds("Complete") {
        Outcome::Succeeded
    } else if holds("Failed") {
        Outcome::Failed
    } else {
        Outcome::Running
    }
}
