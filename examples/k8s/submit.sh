#!/bin/sh
# Runs the sharded sweep on Kubernetes and then its merge, in order:
#   1. the results volume (results-pvc.yaml), once;
#   2. the Indexed Job (sweep-job.yaml), replacing an earlier run of it;
#   3. waits until every index has succeeded (or the Job failed);
#   4. the merge Job (merge-job.yaml), waits for it and prints its log (the Pareto front, the recommendation
#      and results.csv).
#
# Usage: examples/k8s/submit.sh [IMAGE]
#   IMAGE (default: the manifests' REGISTRY/g6sim:0.1.0) is an image built from examples/k8s/Dockerfile and
#   pushed where the nodes can pull it. kubectl uses its current context and namespace.
# Environment: TIMEOUT_S (default 7200), how long to wait for each Job.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
image=${1:-}
timeout_s=${TIMEOUT_S:-7200}

# Prints a manifest, with the image replaced when one was given.
manifest() {
    if [ -n "$image" ]; then
        sed "s|image: REGISTRY/g6sim:0.1.0|image: $image|" "$here/$1"
    else
        cat "$here/$1"
    fi
}

# Waits until Job $1 is Complete (returns 0) or Failed (returns 1), at most $timeout_s seconds.
wait_job() {
    waited=0
    while [ "$waited" -lt "$timeout_s" ]; do
        conditions=$(kubectl get job "$1" -o jsonpath='{range .status.conditions[?(@.status=="True")]}{.type} {end}')
        case " $conditions " in
            *" Complete "*) return 0 ;;
            *" Failed "*) echo "error: job $1 failed; see: kubectl describe job $1; kubectl logs job/$1" >&2; return 1 ;;
        esac
        sleep 10
        waited=$((waited + 10))
    done
    echo "error: job $1 not finished after ${timeout_s}s" >&2
    return 1
}

kubectl apply -f "$here/results-pvc.yaml"
# A Job's pod template cannot be changed: delete an earlier sweep and merge before starting again. The
# shard directories on the volume are overwritten shard by shard (with a different shard count, delete the
# old ones: merge refuses shards of two different sweeps).
kubectl delete job g6sim-sweep g6sim-sweep-merge --ignore-not-found --wait=true
manifest sweep-job.yaml | kubectl apply -f -
wait_job g6sim-sweep
manifest merge-job.yaml | kubectl apply -f -
wait_job g6sim-sweep-merge || { kubectl logs job/g6sim-sweep-merge >&2 || true; exit 1; }
kubectl logs job/g6sim-sweep-merge
