#!/usr/bin/env bash
# Three cluster nodes on this machine and a local PostgreSQL: JOBS jobs
# `every: 1s` echoing to a file for SECONDS; prints the runs, the ticks run
# twice, lateness (start − tick) and CPU per run of the nodes and of the
# `postgres` processes. Needs a release build (swift build -c release).
#   scripts/cluster-measure.sh postgresql://USER:PW@127.0.0.1:PORT/postgres [JOBS] [SECONDS]
set -euo pipefail
admin=${1:?a postgresql:// URL of a server on this machine}; jobs=${2:-200}; seconds=${3:-20}
bin="$(cd "$(dirname "$0")/.." && pwd)/.build/release/tickwork"
[ -x "$bin" ] || { echo "build first: swift build -c release" >&2; exit 2; }
work=$(mktemp -d /tmp/tickwork-cluster-measure-XXXXXX)
trap 'kill $pids 2>/dev/null || true; rm -rf "$work"' EXIT
db="tickwork_measure_$$"
url="${admin%/*}/$db"
psql "$admin" -q -c "CREATE DATABASE $db" >/dev/null
python3 - "$jobs" "$work" <<'PY'
import sys
n, work = int(sys.argv[1]), sys.argv[2]
y = "workers: 8\njobs:\n"
for i in range(n):
    y += f"  - name: j{i}\n    shell: 'echo \"$TICKWORK_JOB $TICKWORK_DUE\" >> {work}/out.txt'\n    every: 1s\n"
open(f"{work}/jobs.yaml", "w").write(y)
PY
"$bin" apply --store "$url" "$work/jobs.yaml" | cut -c1-120
cpu() { for p in "$@"; do awk '{print $14+$15+$16+$17}' /proc/$p/stat 2>/dev/null || true; done | awk '{s+=$1} END {print s+0}'; }
pg0=$(cpu $(pgrep -x postgres))
pids=""
for n in 1 2 3; do
    mkdir -m 700 "$work/rt$n"
    XDG_RUNTIME_DIR="$work/rt$n" "$bin" serve --store "$url" --node "m$n" >"$work/m$n.out" 2>&1 &
    pids="$pids $!"
done
sleep "$seconds"
nodes=$(cpu $pids)
pg1=$(cpu $(pgrep -x postgres))
kill -TERM $pids; wait $pids 2>/dev/null || true; pids=""
runs=$(psql "$url" -t -A -c "SELECT count(*) FROM tickwork_runs WHERE state = 'ended'")
echo "runs=$runs lines=$(wc -l < "$work/out.txt") twice=$(sort "$work/out.txt" | uniq -d | wc -l)"
psql "$url" -t -A -c "SELECT 'lateness ms p50 ' || round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM started_at) * 1e6 - due_us) / 1000)::numeric, 1) || ', p99 ' || round((percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM started_at) * 1e6 - due_us) / 1000)::numeric, 1) FROM tickwork_runs WHERE started_at IS NOT NULL"
hz=$(getconf CLK_TCK)
python3 -c "print('cpu per run: nodes %.2f ms, postgres %.2f ms' % ($nodes / $hz * 1000 / max(1, $runs), ($pg1 - $pg0) / $hz * 1000 / max(1, $runs)))"
psql "$admin" -q -c "DROP DATABASE $db WITH (FORCE)" >/dev/null
