#!/bin/sh
# Submits the sharded sweep (sweep.sbatch, a job array) and its merge (merge.sbatch), the merge held until
# every array task has succeeded (--dependency=afterok). Prints both job ids and where the results go.
#
# Usage: examples/slurm/submit.sh [SBATCH OPTION...]   (the options, e.g. --partition=short --account=me,
#                                                       go to both submissions)
# Environment (passed on to the jobs, as sbatch exports the submitting environment):
#   G6SIM          the binary (default: target/release/g6sim; build it first with cargo build --release)
#   G6SIM_RESULTS  a directory every node sees (default: out/sweep-cluster in the repository)
set -eu

# The jobs start in the directory sbatch is called from: the repository root, where scenarios/ is.
cd "$(dirname "$0")/../.."
G6SIM=${G6SIM:-target/release/g6sim}
G6SIM_RESULTS=${G6SIM_RESULTS:-$(pwd)/out/sweep-cluster}
export G6SIM G6SIM_RESULTS
if [ ! -x "$G6SIM" ]; then
    echo "error: $G6SIM is not an executable; run cargo build --release first, or set G6SIM" >&2
    exit 2
fi
mkdir -p "$G6SIM_RESULTS/logs"

# --parsable prints "JOBID" or "JOBID;CLUSTER".
sweep=$(sbatch --parsable "$@" --output="$G6SIM_RESULTS/logs/%x-%A_%a.out" examples/slurm/sweep.sbatch)
sweep=${sweep%%;*}
# afterok on an array job waits for all of its tasks, and only their success releases the merge.
merge=$(sbatch --parsable "$@" --dependency="afterok:$sweep" --kill-on-invalid-dep=yes \
    --output="$G6SIM_RESULTS/logs/%x-%j.out" examples/slurm/merge.sbatch)
merge=${merge%%;*}

echo "submitted sweep $sweep (one task per shard) and merge $merge (after every task succeeded)"
echo "shards: $G6SIM_RESULTS/shard-*/  merged: $G6SIM_RESULTS/merged/  logs: $G6SIM_RESULTS/logs/"
echo "follow with: squeue -j $sweep,$merge"
