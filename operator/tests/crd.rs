//! The committed CRD files must be exactly what the Rust types generate.

use std::path::Path;

fn committed(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

#[test]
fn crds_folder_matches_the_types() {
    let generated = gochat_operator::crd_yaml().expect("the CRD serialises");
    assert!(
        committed("crds/chatclusters.gochat.dev.yaml") == generated,
        "crds/chatclusters.gochat.dev.yaml is stale: run `cargo run -p gochat-operator -- crd > crds/chatclusters.gochat.dev.yaml` and copy it to charts/gochat-operator/crds/"
    );
}

#[test]
fn chart_crds_folder_matches_the_types() {
    let generated = gochat_operator::crd_yaml().expect("the CRD serialises");
    assert!(
        committed("charts/gochat-operator/crds/chatclusters.gochat.dev.yaml") == generated,
        "charts/gochat-operator/crds/chatclusters.gochat.dev.yaml is stale: copy crds/chatclusters.gochat.dev.yaml there"
    );
}

#[test]
fn crd_names_group_version_and_subresources() {
    let yaml = gochat_operator::crd_yaml().expect("the CRD serialises");
    let crd: serde_json::Value = serde_yaml::from_str(&yaml).expect("valid YAML");
    assert_eq!(crd["metadata"]["name"], "chatclusters.gochat.dev");
    assert_eq!(crd["spec"]["scope"], "Namespaced");
    assert_eq!(crd["spec"]["names"]["shortNames"][0], "chat");
    let version = &crd["spec"]["versions"][0];
    assert_eq!(version["name"], "v1alpha1");
    assert!(version["subresources"]["status"].is_object());
    let columns: Vec<&str> = version["additionalPrinterColumns"]
        .as_array()
        .expect("printer columns")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(columns, ["Ready", "Gateway", "Age"]);
}
