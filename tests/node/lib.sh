# shellcheck shell=bash disable=SC2034
# Settings shared by the node tier's scripts (sourced, not run): pinned versions, the node's
# network, where its state and images live. The control plane's settings and the generic
# helpers come from tests/k8s/lib.sh (which sources tests/bed/lib.sh).

NODE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../k8s/lib.sh
. "$NODE_DIR/../k8s/lib.sh"

# github.com/coredns/coredns, built with the plugins a cluster DNS needs and no forwarder.
COREDNS_VERSION=${GOCHAT_COREDNS_VERSION:-1.15.0}
# sigs.k8s.io/kube-network-policies: the NetworkPolicy enforcer kind itself uses.
KNP_VERSION=${GOCHAT_KNP_VERSION:-0.8.0}
# The pause image's version, built from k8s.io/kubernetes' build/pause/linux/pause.c.
PAUSE_VERSION=3.10.1

# The node's network. The pod range and the Service range (tests/k8s/lib.sh) must be unused on
# the host; `node up` checks. The bridge's address is the node's own address: the API server,
# the kubelet and the backends on the host listen there, and pods reach it through the bridge.
NODE_NAME=gochat-node
NODE_BRIDGE=gochat0
POD_CIDR=10.244.0.0/16
NODE_POD_CIDR=10.244.0.0/24
NODE_IP=10.244.0.1
CLUSTER_DOMAIN=cluster.local
CLUSTER_DNS_IP=10.0.0.10

# Images, named under localhost/ so that no name could be mistaken for a registry's.
PAUSE_IMAGE=localhost/gochat/pause:$PAUSE_VERSION
COREDNS_IMAGE=localhost/gochat/coredns:$COREDNS_VERSION
KNP_IMAGE=localhost/gochat/kube-network-policies:$KNP_VERSION
# Debian's busybox-static: the probe pods' nc, wget and nslookup.
BUSYBOX_IMAGE=localhost/gochat/busybox:debian
GOCHAT_IMAGE_REPO=localhost/gochat/gochat
# Where built images are kept (buildah's storage and the exported archives).
IMAGES_HOME=$GOCHAT_CACHE/images
# Seconds `node up` may take for each of its waits (node Ready, DNS answering, ...).
NODE_TIMEOUT=${GOCHAT_NODE_TIMEOUT:-180}

# Installs the operator chart (release gochat-operator in namespace gochat-system) with the
# image $GOCHAT_IMAGE_REPO:TAG, never pulled, and waits for its pods. Needs KUBE_BIN and
# KUBECONFIG (from `tests/node/node up`).
install_operator() {
    "$KUBE_BIN/helm" install gochat-operator "$NODE_DIR/../../charts/gochat-operator" -n gochat-system \
        --create-namespace --set image.repository="$GOCHAT_IMAGE_REPO" --set image.tag="$1" \
        --set image.pullPolicy=Never --wait --timeout 3m
}
