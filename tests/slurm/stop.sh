#!/usr/bin/env bash
# Stops the one-node SLURM cluster that tests/slurm/start.sh started, and removes its folder.
set -uo pipefail
DIR="${1:-${SLURM_DIR:-/tmp/glioma-slurm}}"
export SLURM_CONF="$DIR/slurm.conf"
scancel --user=root 2>/dev/null
for pid in "$DIR/slurmd.pid" "$DIR/slurmctld.pid" "$DIR/munge/munged.pid"; do
  [ -f "$pid" ] && kill "$(cat "$pid")" 2>/dev/null
done
sleep 1
rm -rf "$DIR"
