# shellcheck shell=bash disable=SC2034
# Helpers shared by the Centrifugo peer scripts of the benchmark (sourced, not run): the pinned
# Centrifugo version and where its build is cached. The generic helpers (die, say, free_port,
# live_pid, stop_pidfile, show_logs, now_ms, ...) come from the test bed's lib.sh.

CENTRIFUGO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../../tests/bed/lib.sh
. "$CENTRIFUGO_DIR/../../tests/bed/lib.sh"

# github.com/centrifugal/centrifugo/v6: the newest v6.x on the Go module proxy when this was
# written.
CENTRIFUGO_VERSION=${GOCHAT_CENTRIFUGO_VERSION:-6.9.1}
CENTRIFUGO_MODULE=github.com/centrifugal/centrifugo/v6
# Everything for one version lives in one directory: delete it to start over.
CENTRIFUGO_HOME=$GOCHAT_CACHE/centrifugo-$CENTRIFUGO_VERSION
CENTRIFUGO_BIN=$CENTRIFUGO_HOME/bin/centrifugo
# Seconds `run up` may take until the health endpoint answers.
CENTRIFUGO_TIMEOUT=${GOCHAT_CENTRIFUGO_TIMEOUT:-60}
# Parallel compile jobs (the machines have 2 cores).
CENTRIFUGO_BUILD_JOBS=${GOCHAT_CENTRIFUGO_BUILD_JOBS:-2}

# Prints milliseconds as seconds with one decimal.
secs() { echo "$(($1 / 1000)).$((($1 % 1000) / 100))s"; }
