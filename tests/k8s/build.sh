# shellcheck shell=bash
# Building Go programs from their modules for the Kubernetes test tiers (sourced by
# tests/k8s/provision and tests/node/provision, after lib.sh): the Go environment inside the
# cache, a stamp per binary recording what it was built from, one build with its timing, and
# the generated main modules for k8s.io/kubernetes commands.

# Bump when the way a binary is built changes, so cached binaries are rebuilt.
RECIPE=1
KUBE_TAGS=selinux,notest,grpcnotrace

# Sets up the Go toolchain's environment inside $K8S_HOME and takes the provisioning lock.
build_env() {
    mkdir -p "$K8S_HOME/logs" "$K8S_BIN" "$GOCHAT_CACHE/logs"
    exec 9>"$K8S_HOME/.lock"
    flock -w 3600 9 || die "another provision holds $K8S_HOME/.lock"
    command -v go >/dev/null 2>&1 || die "go is missing: install Go 1.26 or newer (the Go toolchain is needed to build the Kubernetes binaries)"
    export GOPATH=$K8S_HOME/gopath
    export GOMODCACHE=$GOPATH/pkg/mod
    export GOCACHE=$K8S_HOME/gocache
    # -mod=mod: the generated go.mod files list only the top-level requirement; go fills in the rest.
    # -modcacherw: a module cache that `rm -rf` can delete.
    export GOFLAGS="-mod=mod -modcacherw -buildvcs=false"
    export GOWORK=off GO111MODULE=on CGO_ENABLED=0
    export GOMAXPROCS=$K8S_BUILD_JOBS
    BUILT=()
}

# Installs the Debian packages named whose command (given as PACKAGE:COMMAND, or PACKAGE when
# they share a name; COMMAND may be an absolute path) is missing; root runs apt-get, anyone else
# is told the command to run.
apt_install_missing() {
    local pair what missing=() apt_log
    for pair in "$@"; do
        what=${pair#*:}
        case "$what" in
        /*) [ -e "$what" ] || missing+=("${pair%%:*}") ;;
        *) command -v "$what" >/dev/null 2>&1 || missing+=("${pair%%:*}") ;;
        esac
    done
    [ ${#missing[@]} -gt 0 ] || return 0
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        die "missing Debian packages; install them as root with: apt-get update && apt-get install -y ${missing[*]}"
    fi
    apt_log=$GOCHAT_CACHE/logs/apt.log
    mkdir -p "$GOCHAT_CACHE/logs"
    say "installing Debian packages: ${missing[*]} (log: $apt_log)"
    if ! { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"; } >"$apt_log" 2>&1; then
        show_logs 40 "$apt_log"
        die "apt-get failed installing: ${missing[*]}"
    fi
    INSTALLED+=("${missing[@]}")
}
INSTALLED=()

# Prints the file STAMP holds next to binary NAME for the build described by the other arguments.
stamp_text() { echo "recipe=$RECIPE $*"; }

# Succeeds when binary NAME exists and was built by the recipe described by TEXT.
up_to_date() {
    [ -x "$K8S_BIN/$1" ] && [ -f "$K8S_BIN/.$1.stamp" ] && [ "$(cat "$K8S_BIN/.$1.stamp")" = "$2" ]
}

# Prints field FIELD (GoMod, Info, Dir, ...) of `go mod download -json MODULE@VERSION`.
mod_field() {
    local json
    json=$(cd "$K8S_HOME" && go mod download -json "$1") || die "the Go module proxy did not serve $1"
    printf '%s\n' "$json" | sed -n "s/^[[:space:]]*\"$2\": \"\(.*\)\",\{0,1\}$/\1/p"
}

# Prints the `go` line and any `godebug` lines of the go.mod file GOMOD, so a generated main
# module builds with the same language version and GODEBUG defaults as the upstream one.
go_and_godebug_lines() {
    awk '/^go [0-9]/ { print } /^godebug \(/ { block = 1 } block { print } block && /^\)/ { block = 0 } /^godebug [^(]/ { print }' "$1"
}

# Sets CPU_MS to the CPU time (user + system, milliseconds) the finished children of this shell
# used. `times` must run in this shell, not in a pipeline or $(...), hence the file.
children_cpu() {
    times >"$K8S_HOME/.times"
    CPU_MS=$(tail -n 1 "$K8S_HOME/.times" | awk '{
        total = 0
        for (i = 1; i <= 2; i++) { split($i, p, "m"); sub("s", "", p[2]); total += p[1] * 60 + p[2] }
        printf "%d\n", total * 1000
    }')
}

# Runs the build COMMAND... for binary NAME (logging to logs/build-NAME.log), installs
# $K8S_BIN/NAME.tmp as NAME and records STAMP. The command must write $K8S_BIN/NAME.tmp.
build_with() {
    local name=$1 stamp=$2 log t0 cpu0 took cpu
    shift 2
    log=$K8S_HOME/logs/build-$name.log
    say "building $name (log: $log)"
    t0=$(now_ms)
    children_cpu
    cpu0=$CPU_MS
    rm -f "$K8S_BIN/$name.tmp" "$K8S_BIN/.$name.stamp"
    if ! "$@" >"$log" 2>&1; then
        show_logs 60 "$log"
        die "building $name failed (log: $log)"
    fi
    mv -f "$K8S_BIN/$name.tmp" "$K8S_BIN/$name"
    echo "$stamp" >"$K8S_BIN/.$name.stamp"
    took=$(($(now_ms) - t0))
    children_cpu
    cpu=$((CPU_MS - cpu0))
    BUILT+=("$name: $(secs "$took") wall, $(secs "$cpu") CPU, $(du -m "$K8S_BIN/$name" | cut -f1) MB")
    say "built $name in $(secs "$took") ($(secs "$cpu") CPU)"
}

# `go build` of PACKAGE in the module at SRC into $K8S_BIN/NAME.tmp with LDFLAGS and TAGS.
go_build() {
    local src=$1 name=$2 package=$3 ldflags=$4 tags=$5
    (cd "$src" && go build -p "$K8S_BUILD_JOBS" -trimpath -tags "$tags" -ldflags "$ldflags" \
        -o "$K8S_BIN/$name.tmp" "$package")
}

# Builds PACKAGE of the module in SRC into $K8S_BIN/NAME with LDFLAGS and TAGS, and records STAMP.
build_one() {
    local src=$1 name=$2 package=$3 ldflags=$4 tags=$5 stamp=$6
    build_with "$name" "$stamp" go_build "$src" "$name" "$package" "$ldflags" "$tags"
}

# Writes a main module at SRC requiring MODULE@VERSION (whose go.mod is GOMOD), with the
# upstream go/godebug lines; extra lines (replaces) come on stdin.
write_main_module() {
    local src=$1 what=$2 module=$3 version=$4 gomod=$5
    mkdir -p "$src"
    {
        echo "// Generated by the gochat test provisioning: $what."
        echo "module gochat.test/$(basename "$src")-build"
        echo
        go_and_godebug_lines "$gomod"
        echo
        echo "require $module $version"
        cat
    } >"$src/go.mod"
    touch "$src/go.sum"
}

# The stamp of the k8s.io/kubernetes commands.
kube_stamp() { stamp_text "k8s.io/kubernetes@v$K8S_VERSION tags=$KUBE_TAGS"; }

# Builds each k8s.io/kubernetes command NAME (cmd/NAME) given that is missing or stale, through a
# main module that requires k8s.io/kubernetes and pins every k8s.io/* staging module to the
# matching v0.<minor>.<patch> (Kubernetes' own go.mod points them at ./staging, which a
# dependency's replace directives cannot do). The binaries carry their real version.
build_kube_commands() {
    local stamp todo=() name src kube_gomod staging_version staging module commit build_date minor ldflags pkg info
    stamp=$(kube_stamp)
    for name in "$@"; do
        up_to_date "$name" "$stamp" || todo+=("$name")
    done
    [ ${#todo[@]} -gt 0 ] || return 0
    src=$K8S_HOME/src/kubernetes
    say "resolving k8s.io/kubernetes v$K8S_VERSION"
    kube_gomod=$(mod_field "k8s.io/kubernetes@v$K8S_VERSION" GoMod)
    [ -s "$kube_gomod" ] || die "no go.mod for k8s.io/kubernetes v$K8S_VERSION"
    staging_version=v0.${K8S_VERSION#*.}
    staging=$(sed -n 's|^[[:space:]]*\(k8s\.io/[^[:space:]]*\)[[:space:]]*=>[[:space:]]*\./staging/.*|\1|p' "$kube_gomod")
    [ -n "$staging" ] || die "k8s.io/kubernetes v$K8S_VERSION's go.mod names no ./staging modules; the recipe needs updating"
    {
        echo
        echo "// Kubernetes' go.mod points these at ./staging; pin each to its published release."
        echo "replace ("
        for module in $staging; do
            printf '\t%s => %s %s\n' "$module" "$module" "$staging_version"
        done
        echo ")"
    } | write_main_module "$src" "builds Kubernetes commands from k8s.io/kubernetes" \
        k8s.io/kubernetes "v$K8S_VERSION" "$kube_gomod"
    info=$(mod_field "k8s.io/kubernetes@v$K8S_VERSION" Info)
    commit=$(sed -n 's/.*"Hash":"\([0-9a-f]*\)".*/\1/p' "$info")
    build_date=$(sed -n 's/.*"Time":"\([^"]*\)".*/\1/p' "$info")
    minor=${K8S_VERSION#*.}
    minor=${minor%%.*}
    ldflags="-s -w"
    for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
        ldflags+=" -X $pkg.gitVersion=v$K8S_VERSION -X $pkg.gitMajor=${K8S_VERSION%%.*} -X $pkg.gitMinor=$minor"
        ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=${build_date:-1970-01-01T00:00:00Z}"
        [ -n "$commit" ] && ldflags+=" -X $pkg.gitCommit=$commit"
    done
    for name in "${todo[@]}"; do
        build_one "$src" "$name" "k8s.io/kubernetes/cmd/$name" "$ldflags" "$KUBE_TAGS" "$stamp"
    done
}

# Prints one line per binary built in this run and the total, or that all was up to date.
build_summary() {
    local versions=$1 started=$2 line
    if [ ${#BUILT[@]} -eq 0 ] && [ ${#INSTALLED[@]} -eq 0 ]; then
        say "up to date: $versions in $K8S_BIN"
        return 0
    fi
    for line in "${BUILT[@]}"; do
        say "  $line"
    done
    children_cpu
    say "done in $(secs $(($(now_ms) - started))) ($(secs "$CPU_MS") CPU): $versions in $K8S_BIN (module cache $(du -sh "$GOMODCACHE" | cut -f1), build cache $(du -sh "$GOCACHE" | cut -f1))"
}
