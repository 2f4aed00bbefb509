#!/usr/bin/env bash
# Reproduces the container image's install without Docker, then starts and stops the agent.
#
# Mirrors the Dockerfile: `npm run build`, then only package.json, package-lock.json and dist/
# in a fresh directory, `npm ci --omit=dev --ignore-scripts` there, and `node dist/main.js`
# from it. A runtime import that is only in devDependencies (or not declared at all) fails
# here exactly as it would in the image.
#
# Pass:  the agent logs its start line ("msg":"started...) within 20 s, and after SIGTERM
#        exits with code 0 within 15 s (the agent's shutdown budget is 10 s).
#
# Usage: scripts/check-image-install.sh [PROJECT_DIR]   (default: this repository)
#        NODE=/path/to/node selects the node binary (default: node on PATH).
set -euo pipefail

readonly START_TIMEOUT_S=20
readonly STOP_TIMEOUT_S=15
# Matches the start line, with or without tracing ("started" / "started with tracing ...").
readonly STARTED_PATTERN='"msg":"started'

project_dir=$(cd "${1:-$(dirname "${BASH_SOURCE[0]}")/..}" && pwd)
node_bin=$(command -v "${NODE:-node}") || {
  echo "check-image-install: FAIL: node binary '${NODE:-node}' not found" >&2
  exit 1
}

work_dir=$(mktemp -d "${TMPDIR:-/tmp}/check-image-install.XXXXXX")
agent_pid=''
cleanup() {
  if [[ -n "$agent_pid" ]] && kill -0 "$agent_pid" 2>/dev/null; then
    kill -KILL "$agent_pid" 2>/dev/null || true
    wait "$agent_pid" 2>/dev/null || true
  fi
  rm -rf "$work_dir"
}
trap cleanup EXIT

say() { echo "check-image-install: $*"; }
fail() {
  echo "check-image-install: FAIL: $*" >&2
  if [[ -s "$work_dir/agent.log" ]]; then
    echo "----- agent output -----" >&2
    cat "$work_dir/agent.log" >&2
    echo "------------------------" >&2
  fi
  if grep -Eq 'ERR_MODULE_NOT_FOUND|Cannot find (package|module)' "$work_dir/agent.log" 2>/dev/null; then
    echo "check-image-install: a module imported at run time is missing from the production" \
      "install: move it from devDependencies to dependencies in package.json (or stop" \
      "importing it from src/)." >&2
  fi
  exit 1
}

say "node $("$node_bin" --version) ($node_bin), project $project_dir"

say "building (npm run build)"
(cd "$project_dir" && npm run build --silent) || fail "npm run build failed"
[[ -f "$project_dir/dist/main.js" ]] || fail "npm run build produced no dist/main.js"

say "production install in $work_dir/app (npm ci --omit=dev --ignore-scripts)"
mkdir -p "$work_dir/app" "$work_dir/home" "$work_dir/state"
cp "$project_dir/package.json" "$project_dir/package-lock.json" "$work_dir/app/"
cp -R "$project_dir/dist" "$work_dir/app/dist"
# The CRI client loads its .proto at run time, as the image copies it next to dist/.
if [[ -d "$project_dir/proto" ]]; then cp -R "$project_dir/proto" "$work_dir/app/proto"; fi
(cd "$work_dir/app" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error) ||
  fail "npm ci --omit=dev failed"

# A clean environment, as in the container: nothing from this shell leaks into the agent.
say "starting node dist/main.js (TRACING_ENABLED=false)"
(
  cd "$work_dir/app"
  exec env -i \
    PATH="$PATH" \
    HOME="$work_dir/home" \
    NODE_ENV=production \
    NODE_NAME=ci-node \
    TRACING_ENABLED=false \
    LOG_LEVEL=info \
    HTTP_PORT=0 \
    STATE_DIR="$work_dir/state" \
    "$node_bin" dist/main.js
) >"$work_dir/agent.log" 2>&1 &
agent_pid=$!

started=false
for ((i = 0; i < START_TIMEOUT_S * 10; i++)); do
  if grep -q "$STARTED_PATTERN" "$work_dir/agent.log"; then
    started=true
    break
  fi
  kill -0 "$agent_pid" 2>/dev/null || break
  sleep 0.1
done

if [[ "$started" != true ]]; then
  if ! kill -0 "$agent_pid" 2>/dev/null; then
    rc=0
    wait "$agent_pid" || rc=$?
    agent_pid=''
    fail "the agent exited with code $rc before logging its start line"
  fi
  fail "no start line ($STARTED_PATTERN) within ${START_TIMEOUT_S}s"
fi
say "agent started: $(grep -m1 "$STARTED_PATTERN" "$work_dir/agent.log")"

say "sending SIGTERM"
kill -TERM "$agent_pid"
for ((i = 0; i < STOP_TIMEOUT_S * 10; i++)); do
  kill -0 "$agent_pid" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$agent_pid" 2>/dev/null; then
  fail "the agent was still running ${STOP_TIMEOUT_S}s after SIGTERM"
fi
rc=0
wait "$agent_pid" || rc=$?
agent_pid=''
[[ "$rc" -eq 0 ]] || fail "the agent exited with code $rc after SIGTERM (expected 0)"

echo "----- agent output -----"
cat "$work_dir/agent.log"
echo "------------------------"
say "OK: production install starts, logs its start line and exits 0 on SIGTERM"
