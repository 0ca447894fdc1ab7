#!/usr/bin/env bash
# A real one-node SLURM cluster on this machine, for the tests: installs Debian's slurm-wlm and
# munge when missing (root), writes a minimal slurm.conf (this host as the only node, its
# CPUs, one partition) under $SLURM_DIR, starts munged, slurmctld and slurmd, and waits until
# `sinfo` shows the node idle. Prints the `export SLURM_CONF=...` line the clients need.
#   tests/slurm/start.sh [DIR]   # start (DIR defaults to /tmp/glioma-slurm)
#   tests/slurm/stop.sh  [DIR]   # stop and clean up
set -euo pipefail
DIR="${1:-${SLURM_DIR:-/tmp/glioma-slurm}}"
need=()
command -v slurmctld >/dev/null || need+=(slurmctld slurmd slurm-client)
command -v munged >/dev/null || need+=(munge)
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then echo "start.sh: need root to install ${need[*]}" >&2; exit 3; fi
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
         "${need[@]}" >/dev/null; }; then
    echo "start.sh: could not install ${need[*]} from Debian" >&2; exit 3
  fi
fi
if [ "$(id -u)" != 0 ]; then echo "start.sh: slurmd must run as root here" >&2; exit 3; fi
mkdir -p "$DIR"/{state,spool,munge,log}
HOST="$(hostname -s)"
CPUS="$(nproc)"
MEM_MB="$(awk '/MemTotal/ {print int($2 / 1024 * 0.9)}' /proc/meminfo)"
cat > "$DIR/slurm.conf" <<CONF
ClusterName=glioma-test
SlurmctldHost=$HOST
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
SlurmctldPort=16817
SlurmdPort=16818
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobRequeue=1
KillWait=2
MinJobAge=300
NodeName=$HOST CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
CONF
# munged: this folder's own socket, pid and log (no system service needed)
if [ ! -S "$DIR/munge/munge.socket" ]; then
  munged --force --socket="$DIR/munge/munge.socket" --pid-file="$DIR/munge/munged.pid" \
    --log-file="$DIR/log/munged.log" --seed-file="$DIR/munge/munged.seed"
fi
# slurm's daemons and clients find munge's socket through their plugin's default, so link it
mkdir -p /run/munge
ln -sf "$DIR/munge/munge.socket" /run/munge/munge.socket.2
export SLURM_CONF="$DIR/slurm.conf"
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF"
for _ in $(seq 60); do
  state="$(sinfo -h -N -o %t 2>/dev/null | head -1 || true)"
  if [ "$state" = idle ]; then
    echo "export SLURM_CONF=$SLURM_CONF"
    exit 0
  fi
  sleep 1
done
echo "start.sh: the node never became idle (state: ${state:-none}); logs in $DIR/log" >&2
tail -20 "$DIR/log/slurmctld.log" "$DIR/log/slurmd.log" >&2 || true
exit 1
