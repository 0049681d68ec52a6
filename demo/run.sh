#!/bin/sh
# make demo: a walk-through on a local sandbox, from nothing but the
# repository.  It starts the project's test API server (with its operator
# simulation) on 127.0.0.1, runs the plugin the way an SRE would, through
# kubectl, and stops everything it started (by PID) on the way out.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d)
S=$WORK/api
cleanup() {
	[ -f "$S/pid" ] && sh "$TOP/tests/apiserver/stop.sh" "$S" >/dev/null 2>&1 || true
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

mkdir -p "$WORK/bin"
ln -s "$TOP/kubectl-cnpgops" "$WORK/bin/kubectl-cnpgops"
PATH=$WORK/bin:$PATH
export KUBECONFIG=$S/kubeconfig

step "start the sandbox: a test Kubernetes API server with the CNPG CRDs and a simulated operator"
sh "$TOP/tests/apiserver/start.sh" "$S" --sim "$TOP/tests/apiserver/sim_basic.py" --sim-step 0.5 >/dev/null
echo "API server on https://127.0.0.1:$(cat "$S/port") (KUBECONFIG=$KUBECONFIG)"

step "a CNPG cluster archiving WAL with the barman-cloud plugin"
show kubectl apply -f "$TOP/tests/fixtures/objects/app-db-cluster.yaml"
i=0
until kubectl get clusters.postgresql.cnpg.io app-db -o jsonpath='{.status.phase}' | grep -q healthy; do
	i=$((i + 1)); [ $i -lt 100 ] || { echo "the cluster did not become healthy" >&2; exit 1; }
	sleep 0.2
done

step "a daily backup at 03:00 UTC (a five-field cron line is refused with the line you meant)"
show kubectl cnpgops backup schedule app-db --schedule '0 3 * * *' || true
show kubectl cnpgops backup schedule app-db --schedule '0 0 3 * * *'

step "a backup before maintenance, followed to the end"
show kubectl cnpgops backup now app-db --name before-maintenance --wait

step "the cluster's backups, newest first"
show kubectl cnpgops backup list app-db

step "health of backup and recovery across namespaces"
show kubectl cnpgops doctor -A || true

step "done: everything started by the demo is stopped"
