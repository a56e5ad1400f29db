# shellcheck shell=bash disable=SC2034
# Helpers shared by the Kubernetes test-tier scripts (sourced, not run): pinned versions, the
# cache layout of the built binaries, and the Go environment they are built in. The generic
# helpers (die, say, free_port, live_pid, stop_pidfile, show_logs, now_ms, ...) come from the
# test bed's lib.sh.

K8S_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../bed/lib.sh
. "$K8S_DIR/../bed/lib.sh"

# k8s.io/kubernetes release: kube-apiserver, kube-controller-manager and kubectl are built from
# it; every k8s.io/* staging module is pinned to v0.<minor>.<patch> of the same release.
K8S_VERSION=${GOCHAT_K8S_VERSION:-1.35.4}
# go.etcd.io/etcd/server/v3 (3.6.x, the line Kubernetes 1.34/1.35 is tested against).
ETCD_VERSION=${GOCHAT_ETCD_VERSION:-3.6.16}
# helm.sh/helm/v3 (newest v3 on the Go module proxy when this was written).
HELM_VERSION=${GOCHAT_HELM_VERSION:-3.22.0}

# Everything for one Kubernetes version lives in one directory: delete it to start over.
K8S_HOME=$GOCHAT_CACHE/k8s-$K8S_VERSION
K8S_BIN=$K8S_HOME/bin
# Seconds `control-plane up` may take until the API server is ready and the default service
# account exists.
K8S_TIMEOUT=${GOCHAT_K8S_TIMEOUT:-120}
# Parallel compile jobs (the machines have 2 cores).
K8S_BUILD_JOBS=${GOCHAT_K8S_BUILD_JOBS:-2}

# Fails with a hint unless the binary NAME has been built by tests/k8s/provision.
need_bin() {
    [ -x "$K8S_BIN/$1" ] || die "$K8S_BIN/$1 is missing: run tests/k8s/provision"
}

# Prints milliseconds as seconds with one decimal.
secs() { echo "$(($1 / 1000)).$((($1 % 1000) / 100))s"; }
