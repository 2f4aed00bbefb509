#!/usr/bin/env bash
# Records a timeline of a real node's pods, as the kubelet lists them, for the simulator
# (`tsx scripts/demo.ts --timeline FILE`, or any test through loadTimeline).
#
#   scripts/record-node.sh <node> [interval-seconds] [duration-seconds]
#
# Every `interval` seconds (default 5; decimals allowed) for `duration` seconds (default 300) it
# fetches `kubectl get --raw /api/v1/nodes/<node>/proxy/pods` (needs `get nodes/proxy`) and pipes
# the response straight through scripts/redactPodList.ts, which replaces env values other than the
# trace context (TRACEPARENT, TRACESTATE, TRACE_PARENT, names in $TRACE_CONTEXT_ENV) by
# <redacted>, keeps `valueFrom` as a reference only, and drops annotations other than
# kubernetes.io/config.seen and config.source. The raw response is never written anywhere.
#
# Output: JSON Lines, a header then one {"at":...,"podList":...} line per snapshot, in $OUT
# (default timelines/recorded-<node>-<UTC time>.jsonl). Environment: OUT, KUBECTL (default
# kubectl), TRACE_CONTEXT_ENV. Exit codes: 0 at least one snapshot recorded, 1 none, 2 usage.
set -uo pipefail

usage() {
  echo "usage: $0 <node> [interval-seconds (default 5)] [duration-seconds (default 300)]" >&2
  exit 2
}

if [ $# -lt 1 ] || [ $# -gt 3 ]; then usage; fi
node=$1
interval=${2:-5}
duration=${3:-300}

# A node name is a DNS subdomain: it ends up in a URL path and in the output's JSON header.
if ! [[ $node =~ ^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$ ]]; then
  echo "record-node: node name must be a DNS subdomain (lowercase letters, digits, '-', '.'): $node" >&2
  usage
fi
if ! [[ $interval =~ ^[0-9]+(\.[0-9]+)?$ ]] || ! awk -v v="$interval" 'BEGIN { exit !(v > 0 && v <= 3600) }'; then
  echo "record-node: interval must be a number of seconds in (0, 3600]: $interval" >&2
  usage
fi
if ! [[ $duration =~ ^[0-9]+$ ]] || [ "$duration" -lt 1 ] || [ "$duration" -gt 604800 ]; then
  echo "record-node: duration must be whole seconds from 1 to 604800: $duration" >&2
  usage
fi

ROOT=$(cd "$(dirname "$0")/.." && pwd)
KUBECTL=${KUBECTL:-kubectl}
if ! command -v "$KUBECTL" >/dev/null 2>&1; then
  echo "record-node: $KUBECTL not found (set KUBECTL or PATH)" >&2
  exit 1
fi
if [ -x "$ROOT/node_modules/.bin/tsx" ]; then
  redact=("$ROOT/node_modules/.bin/tsx" "$ROOT/scripts/redactPodList.ts")
else
  redact=(npx --no-install tsx "$ROOT/scripts/redactPodList.ts")
fi

out=${OUT:-$ROOT/timelines/recorded-$node-$(date -u +%Y%m%dT%H%M%SZ).jsonl}
snapshots=$(awk -v d="$duration" -v i="$interval" 'BEGIN { n = d / i; c = int(n); if (c < n) c++; if (c < 1) c = 1; print c }')

umask 077
mkdir -p "$(dirname "$out")"
printf '{"kind":"RecordedTimeline","version":1,"node":"%s","intervalSeconds":%s,"startedAt":"%s"}\n' \
  "$node" "$interval" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$out" || exit 1
echo "record-node: recording $node every ${interval}s for ${duration}s ($snapshots snapshots) to $out" >&2

recorded=0
for ((i = 0; i < snapshots; i++)); do
  at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  # The redactor prints nothing unless the whole response parsed: a failed fetch adds no line.
  if line=$("$KUBECTL" get --raw "/api/v1/nodes/$node/proxy/pods" | "${redact[@]}" --at "$at"); then
    printf '%s\n' "$line" >>"$out"
    recorded=$((recorded + 1))
  else
    echo "record-node: snapshot at $at failed; skipped" >&2
  fi
  if [ $((i + 1)) -lt "$snapshots" ]; then sleep "$interval"; fi
done

echo "record-node: $recorded of $snapshots snapshots recorded in $out" >&2
[ "$recorded" -gt 0 ]
