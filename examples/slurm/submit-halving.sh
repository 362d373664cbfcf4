#!/bin/sh
# Submits the successive halving of halving.sbatch: for each rung in turn, its job array (halving.sbatch) and
# its merge (halving-merge.sbatch). A rung's array waits for the merge of the rung before, and its merge for
# every task of the array (--dependency=afterok, so a failure stops the chain). Prints the job ids and where
# the results go.
#
# Usage: examples/slurm/submit-halving.sh [SBATCH OPTION...]   (the options go to every submission)
# Environment (passed on to the jobs, as sbatch exports the submitting environment):
#   G6SIM          the binary (default: target/release/g6sim; build it first with cargo build --release)
#   G6SIM_RESULTS  a directory every node sees (default: out/sweep-cluster in the repository)
#   G6SIM_RUNGS    the halving's rungs (default 3: the start line of halving.sbatch's sweep,
#                  "3 rungs of 4, 12 and 32 seeds"; change it with the sweep)
set -eu

# The jobs start in the directory sbatch is called from: the repository root, where scenarios/ is.
cd "$(dirname "$0")/../.."
G6SIM=${G6SIM:-target/release/g6sim}
G6SIM_RESULTS=${G6SIM_RESULTS:-$(pwd)/out/sweep-cluster}
G6SIM_RUNGS=${G6SIM_RUNGS:-3}
export G6SIM G6SIM_RESULTS
if [ ! -x "$G6SIM" ]; then
    echo "error: $G6SIM is not an executable; run cargo build --release first, or set G6SIM" >&2
    exit 2
fi
mkdir -p "$G6SIM_RESULTS/logs"

rung=1
merge=""
jobs=""
while [ "$rung" -le "$G6SIM_RUNGS" ]; do
    # --parsable prints "JOBID" or "JOBID;CLUSTER". A rung's tasks read the merge of the rung before.
    if [ -z "$merge" ]; then
        array=$(sbatch --parsable "$@" --export="ALL,G6SIM_RUNG=$rung" \
            --output="$G6SIM_RESULTS/logs/%x-$rung-%A_%a.out" examples/slurm/halving.sbatch)
    else
        array=$(sbatch --parsable "$@" --export="ALL,G6SIM_RUNG=$rung" --dependency="afterok:$merge" \
            --kill-on-invalid-dep=yes --output="$G6SIM_RESULTS/logs/%x-$rung-%A_%a.out" examples/slurm/halving.sbatch)
    fi
    array=${array%%;*}
    merge=$(sbatch --parsable "$@" --export="ALL,G6SIM_RUNG=$rung" --dependency="afterok:$array" \
        --kill-on-invalid-dep=yes --output="$G6SIM_RESULTS/logs/%x-$rung-%j.out" examples/slurm/halving-merge.sbatch)
    merge=${merge%%;*}
    jobs="$jobs $array $merge"
    echo "rung $rung: array $array (one task per shard), then merge $merge"
    rung=$((rung + 1))
done

echo "merged rungs and, after the last, the results: $G6SIM_RESULTS/halving/  logs: $G6SIM_RESULTS/logs/"
echo "follow with: squeue -j $(echo $jobs | tr ' ' ',')"
