#!/usr/bin/env bash
# A real scheduler in the tests (#29): a one-node Slurm on localhost, started and stopped
# here, runs `upsample` as a 4-task job array over a folder of images, then again with
# one task killed (kill -9 of its upsample) and resubmitted. It checks that every output
# exists once, that the merged report counts every image once and none computed twice.
#   bash tests/slurm/run_slurm_test.sh [path/to/upsample]     (default: build/upsample)
# Installs slurm-wlm and munge when missing (apt-get, through sudo when not root). Where
# the daemons cannot start it says "skipped: <reason>" and exits 0.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
binary="$(realpath "${1:-$root/build/upsample}")"
images=40

say() { echo "slurm test: $*"; }
skip() { say "skipped: $*"; exit 0; }
fail() { say "FAILED: $*"; exit 1; }

[ -x "$binary" ] || fail "no upsample binary at $binary (build first)"

missing=()
for p in slurm-wlm munge; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || skip "slurm-wlm and munge are not installed and there is no sudo"
    sudo="sudo"
  fi
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq || skip "apt-get update failed"
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || skip "cannot install ${missing[*]}"
fi
# The daemons run as the current user; as another user than root, slurmd cannot start
# job steps for itself.
[ "$(id -u)" -eq 0 ] || skip "the one-node Slurm needs root (slurmd runs the jobs as their user)"

work="$(mktemp -d /tmp/upsample-slurm.XXXXXX)"
pids=()
stop_daemons() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap stop_daemons EXIT

host="$(hostname -s)"
mkdir -p "$work"/{munge,state,spool,logs,in,reports}
chmod 700 "$work/munge"
head -c 1024 /dev/urandom >"$work/munge/munge.key"
chmod 400 "$work/munge/munge.key"
munged -F -f --socket="$work/munge/socket" --key-file="$work/munge/munge.key" --pid-file="$work/munge/pid" \
  --log-file="$work/munge/log" --seed-file="$work/munge/seed" >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S "$work/munge/socket" ] && break; sleep 0.1; done
[ -S "$work/munge/socket" ] || skip "munged did not start: $(tail -n 3 "$work/munge/log" 2>/dev/null)"

# Ports a little away from the defaults, so a Slurm already on this machine is left alone.
port=$((20000 + RANDOM % 20000))
cat >"$work/slurm.conf" <<CONF
ClusterName=upsampletest
SlurmctldHost=$host
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$work/munge/socket
CredType=cred/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/logs/slurmctld.log
SlurmdLogFile=$work/logs/slurmd.log
# Containers have no cgroups to give: plain process tracking, no task containment.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
ReturnToService=2
MpiDefault=none
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=2
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$work/slurm.conf"
slurmctld -D -i -f "$SLURM_CONF" >"$work/logs/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" >"$work/logs/slurmd.out" 2>&1 &
pids+=($!)
ready=""
for _ in $(seq 100); do
  if sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then ready=yes; break; fi
  sleep 0.2
done
if [ -z "$ready" ]; then
  say "slurmctld log:"; tail -n 5 "$work/logs/slurmctld.log" 2>/dev/null || true
  say "slurmd log:"; tail -n 5 "$work/logs/slurmd.log" 2>/dev/null || true
  skip "the one-node Slurm did not come up (node: $(sinfo -h -o '%T' 2>&1 | head -n 1))"
fi
say "one-node Slurm up on $host ($(nproc) CPUs)"

# The samples, copied under many names.
i=0
while [ $i -lt $images ]; do
  for f in "$root"/samples/*.png; do
    [ $i -lt $images ] || break
    cp "$f" "$work/in/$(printf 'img%03d' $i)_$(basename "$f")"
    i=$((i + 1))
  done
done

# Each image is held a moment before it is moved into place, so a task can be killed mid-run.
cat >"$work/job.sh" <<JOB
#!/bin/bash
export UPSAMPLE_TEST_PAUSE_BEFORE_RENAME_MS=\${PAUSE_MS:-0}
exec "$binary" "$work/in" -m nearest -s 2 -o "$work/out" --skip-existing --shards 4 \
  --report "$work/reports/\$SLURM_ARRAY_TASK_ID.jsonl"
JOB
chmod +x "$work/job.sh"

check_outputs() {
  local stage="$1" outputs claims summary
  outputs=$(find "$work/out" -type f -name 'img*' | wc -l)
  claims=$(find "$work/out" -name '*.upsample-claim' | wc -l)
  [ "$outputs" -eq $images ] || fail "$stage: $outputs outputs, expected $images"
  [ "$claims" -eq 0 ] || fail "$stage: $claims claim files left"
  summary="$("$binary" report "$work"/reports/*.jsonl --json)" || fail "$stage: the merged report has failures"
  python3 - "$stage" "$images" <<PY || fail "$stage: merged report: $summary"
import json, sys
s = json.loads('''$summary''')
stage, images = sys.argv[1], int(sys.argv[2])
assert s["images"] == images, s["images"]
assert s["failed"] == 0
assert s["computed_twice"] == 0
assert s["written"] + s["skipped"] == images and s["written"] >= images - 1
print(f"slurm test: {stage}: {images} images, {s['written']} written, {s['computed_twice']} computed twice, "
      f"{s['failed']} failed, {s['wall_seconds']:.1f} s wall, {s['images_per_second']:.1f} images/s, "
      f"{s['lines']} report lines")
PY
}

start=$(date +%s%N)
sbatch --array=0-3 --wait -o "$work/logs/%A_%a.out" -e "$work/logs/%A_%a.out" "$work/job.sh" >"$work/logs/sbatch1" ||
  fail "sbatch --array=0-3 --wait: a task failed: $(cat "$work"/logs/*_*.out)"
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
say "sbatch --array=0-3 --wait returned after $((elapsed_ms / 1000)).$((elapsed_ms % 1000 / 100)) s"
for task in 0 1 2 3; do
  grep -q "shard $((task + 1))/4 (from SLURM_ARRAY_TASK_ID=$task, --shards 4)" "$work"/logs/*_"$task".out ||
    fail "task $task does not say its shard: $(cat "$work"/logs/*_"$task".out)"
done
check_outputs "4-task array"

# Again, with task 1's upsample killed mid-run and task 1 resubmitted alone.
rm -rf "$work/out" "$work/reports" && mkdir -p "$work/reports"
job=$(PAUSE_MS=250 sbatch --parsable --array=0-3 -o "$work/logs/%A_%a.out" -e "$work/logs/%A_%a.out" --export=ALL "$work/job.sh")
for _ in $(seq 300); do
  [ -s "$work/reports/1.jsonl" ] && break
  sleep 0.1
done
[ -s "$work/reports/1.jsonl" ] || fail "task 1 finished no image in 30 s"
victim=$(pgrep -f -- "--report $work/reports/1.jsonl" | head -n 1)
[ -n "$victim" ] || fail "task 1's upsample is not running"
kill -9 "$victim"
for _ in $(seq 300); do
  [ -z "$(squeue -h -j "$job" 2>/dev/null)" ] && break
  sleep 0.2
done
done_before=$(wc -l <"$work/reports/1.jsonl")
say "killed task 1 (pid $victim) after $done_before of its $((images / 4)) images"
[ "$done_before" -lt $((images / 4)) ] || fail "task 1 had finished before it was killed"
sbatch --array=1 --wait -o "$work/logs/%A_%a.out" -e "$work/logs/%A_%a.out" "$work/job.sh" >"$work/logs/sbatch3" ||
  fail "the resubmitted task 1 failed"
grep -q "took over the stale claim" "$work"/logs/*_1.out || say "(the kill fell between two images: no claim to take over)"
check_outputs "killed and resubmitted"
say "passed"
