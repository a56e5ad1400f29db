# shellcheck shell=bash disable=SC2034
# Helpers shared by the test-bed scripts (sourced, not run): cache layout, pinned versions,
# finding Java 17 and Debian's Python, bounded waits and stopping a server by its pidfile.

BED_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROG=$(basename "$0")

# Everything downloaded lives outside the repo, keyed by version.
GOCHAT_CACHE=${GOCHAT_CACHE:-${HOME:-/root}/.cache/gochat}
# Newest 5.0.x of org.apache.cassandra:cassandra-all on Maven Central when this was written.
CASSANDRA_VERSION=${GOCHAT_CASSANDRA_VERSION:-5.0.9}
CASSANDRA_HOME_DIR=$GOCHAT_CACHE/cassandra-$CASSANDRA_VERSION
# The OpenTelemetry Collector the system tests build (tests/bed/otelcol): the collector builder,
# core and contrib modules share this version; the confmap providers carry the matching 1.x.
OTELCOL_VERSION=${GOCHAT_OTELCOL_VERSION:-0.162.0}
OTELCOL_PROVIDER_VERSION=${GOCHAT_OTELCOL_PROVIDER_VERSION:-1.68.0}
OTELCOL_HOME_DIR=$GOCHAT_CACHE/otelcol-$OTELCOL_VERSION
# The address the servers listen on: loopback, unless a caller that needs them reachable from
# elsewhere on this machine (the node tier's pods, through the node bridge) names another.
BED_HOST=${GOCHAT_BED_HOST:-127.0.0.1}
# Seconds a server may take to become ready before `up` gives up.
BED_TIMEOUT=${GOCHAT_BED_TIMEOUT:-180}
# Seconds a server may take to exit on SIGTERM before it gets SIGKILL.
BED_STOP_TIMEOUT=${GOCHAT_BED_STOP_TIMEOUT:-30}
# Debian's interpreter: python3-aiosmtpd is installed for it, not for a pyenv python3 on PATH.
SYSTEM_PYTHON=/usr/bin/python3

die() {
    echo "$PROG: $*" >&2
    exit 1
}

say() { echo "$PROG: $*"; }

# Prints the java binary of a Java 17 runtime, or fails saying how to get one.
# Honours GOCHAT_JAVA17_HOME, then JAVA_HOME, then /usr/lib/jvm/*17*.
find_java17() {
    local home candidates=()
    [ -n "${GOCHAT_JAVA17_HOME:-}" ] && candidates+=("$GOCHAT_JAVA17_HOME")
    [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
    for home in /usr/lib/jvm/*17*; do
        [ -d "$home" ] && candidates+=("$home")
    done
    for home in "${candidates[@]}"; do
        if [ -x "$home/bin/java" ] && "$home/bin/java" -version 2>&1 | head -n 1 | grep -q 'version "17[."]'; then
            echo "$home/bin/java"
            return 0
        fi
    done
    echo "$PROG: no Java 17 found (looked at GOCHAT_JAVA17_HOME, JAVA_HOME, /usr/lib/jvm/*17*); Cassandra $CASSANDRA_VERSION needs Java 17: apt-get install openjdk-17-jre-headless" >&2
    return 1
}

# Prints a TCP port on 127.0.0.1 that was free a moment ago.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Succeeds when something accepts TCP connections on HOST:PORT (HOST defaults to 127.0.0.1).
port_open() {
    (exec 3<>"/dev/tcp/${2:-127.0.0.1}/$1") 2>/dev/null
}

# Validates a port argument.
check_port() {
    if ! [[ "$1" =~ ^[0-9]+$ ]] || [ "$1" -lt 1 ] || [ "$1" -gt 65535 ]; then
        die "not a port: '$1'"
    fi
}

# Succeeds if process PID exists and is not a zombie (an exited server whose parent, maybe
# the machine's init, has not reaped it yet).
alive() {
    local state
    kill -0 "$1" 2>/dev/null || return 1
    state=$(sed -n 's/^[0-9]* (.*) \([A-Za-z]\) .*/\1/p' "/proc/$1/stat" 2>/dev/null) || return 1
    [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# Prints the pid in PIDFILE if that process is alive and its command line contains MARKER.
live_pid() {
    local pidfile=$1 marker=$2 pid
    [ -s "$pidfile" ] || return 1
    pid=$(tr -dc '0-9' <"$pidfile")
    [ -n "$pid" ] && alive "$pid" || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$marker" || return 1
    echo "$pid"
}

# Stops the process named by PIDFILE (SIGTERM, bounded wait, SIGKILL); quiet and successful
# if it is not running. NAME is for messages, MARKER as for live_pid.
stop_pidfile() {
    local pidfile=$1 name=$2 marker=$3 pid waited=0
    if ! pid=$(live_pid "$pidfile" "$marker"); then
        rm -f "$pidfile"
        say "$name is not running"
        return 0
    fi
    kill -TERM "$pid" 2>/dev/null || true
    while alive "$pid"; do
        if [ "$waited" -ge $((BED_STOP_TIMEOUT * 10)) ]; then
            say "$name (pid $pid) ignored SIGTERM for ${BED_STOP_TIMEOUT}s: SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.1
        waited=$((waited + 1))
    done
    # A killed process may take a moment to be reaped and release its ports.
    for _ in $(seq 50); do
        alive "$pid" || break
        sleep 0.1
    done
    rm -f "$pidfile"
    say "$name stopped (pid $pid)"
}

# Prints the last LINES lines of each log file given that exists and is not empty.
show_logs() {
    local lines=$1 file
    shift
    for file in "$@"; do
        [ -s "$file" ] || continue
        echo "----- last $lines lines of $file" >&2
        tail -n "$lines" "$file" >&2
    done
}

# Milliseconds since the epoch, for timing messages.
now_ms() { date +%s%3N; }
