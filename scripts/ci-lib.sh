# shellcheck shell=bash
# Helpers shared by `.ci/run` and the scripts in `scripts/`. Source it; don't run it.
#
# Target directories: every flavour of build (plain tests, loom, TSan, ASan, release, fuzz)
# has its own, so their differing RUSTFLAGS never invalidate each other's caches.
#   - RINGPOOL_CI_TARGET_PREFIX=/some/dir/ci  ->  /some/dir/ci-test, /some/dir/ci-loom, ...
#   - otherwise the plain flavour uses $CARGO_TARGET_DIR (default <repo>/target) and the
#     others live beside it as <that dir>/ci-<flavour>.

ci_repo_root() {
    git -C "$(dirname "${BASH_SOURCE[0]}")" rev-parse --show-toplevel
}

# ci_target_dir FLAVOUR: the target directory for one build flavour (see above).
ci_target_dir() {
    local flavour="$1"
    if [[ -n "${RINGPOOL_CI_TARGET_PREFIX:-}" ]]; then
        echo "${RINGPOOL_CI_TARGET_PREFIX}-${flavour}"
        return
    fi
    local base="${CARGO_TARGET_DIR:-$(ci_repo_root)/target}"
    if [[ "$flavour" == test ]]; then
        echo "$base"
    else
        echo "$base/ci-${flavour}"
    fi
}

# The host triple of the toolchain that builds the project. The sanitizer builds pass it as an
# explicit `--target`, so RUSTFLAGS reach our crates but not build scripts and proc macros.
ci_host_triple() {
    rustc -vV | sed -n 's/^host: //p'
}

ci_log() {
    printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2
}

ci_die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

# Seconds as "Mm SSs".
ci_format_seconds() {
    printf '%dm%02ds' $(($1 / 60)) $(($1 % 60))
}

# ci_children_cpu_seconds VAR: sets VAR to the CPU seconds (user + system) used so far by this
# shell's finished children, grandchildren included. On a shared machine the CPU time of a step
# says more about its cost on a dedicated 2-core CI runner than its wall time does. Not usable
# inside $(...): `times` must run in this very shell, since a forked subshell starts at zero.
ci_children_cpu_seconds() {
    local report
    report="$(mktemp)"
    times >"$report"
    printf -v "$1" '%s' "$(tail -n 1 "$report" | awk '{
        total = 0
        for (i = 1; i <= 2; i++) { split($i, part, "m"); sub("s", "", part[2]); total += part[1] * 60 + part[2] }
        printf "%d\n", total
    }')"
    rm -f "$report"
}
