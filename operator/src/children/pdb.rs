//! PodDisruptionBudgets: voluntary evictions (node drains) take at most one pod of a
//! component at a time.

use k8s_openapi::{
    api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec},
    apimachinery::pkg::{apis::meta::v1::LabelSelector, util::intstr::IntOrString},
};

use super::Owner;
use crate::component::Component;

/// The PodDisruptionBudget of `component`.
pub fn build(owner: &Owner<'_>, component: Component) -> PodDisruptionBudget {
    let names = &owner.names;
    PodDisruptionBudget {
        metadata: owner.meta(
            names.component(component),
            names.component_labels(component),
        ),
        spec: Some(PodDisruptionBudgetSpec {
            max_unavailable: Some(IntOrString::Int(1)),
            selector: Some(LabelSelector {
                match_labels: Some(names.selector(component)),
                ..LabelSelector::default()
            }),
            ..PodDisruptionBudgetSpec::default()
        }),
        ..PodDisruptionBudget::default()
    }
}
