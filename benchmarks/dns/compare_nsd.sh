#!/usr/bin/env bash
# compare_nsd.sh: authoritative throughput of dnsx against NSD, both driven
# by dnsperf on loopback, as issue 6 specifies: a zone with SOA, NS and 100 A
# records, queries for random existing names, dnsperf -c 1 -T 1 -l 20, NSD
# with server-count 1 and rrl-ratelimit 0, runs alternated, 3 of each; the
# median ratio dnsx/NSD is printed.
#
# Usage: benchmarks/dns/compare_nsd.sh [seconds per run (20)] [runs (3)]
# With DNSSEC=1 the zone is signed (by dnsx's -mode sign, NSEC3), both
# servers serve the signed file and dnsperf sets the DO bit (-D).
# Needs nsd, dnsperf and Go; run from anywhere inside the repository.
set -euo pipefail
secs=${1:-20}
runs=${2:-3}
for tool in nsd dnsperf go; do
	command -v "$tool" >/dev/null || { echo "compare_nsd: $tool is not installed" >&2; exit 1; }
done
root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

# The zone, and 10 000 queries for random existing names.
{
	printf '$ORIGIN bench.test.\n$TTL 3600\n@ SOA ns hostmaster 1 3600 600 86400 60\n@ NS ns\nns A 192.0.2.1\n'
	for i in $(seq 0 99); do echo "host$i A 198.51.100.$((i + 1))"; done
} >"$work/bench.test.zone"
for _ in $(seq 1 10000); do echo "host$((RANDOM % 100)).bench.test A"; done >"$work/queries.txt"

nsd_port=53531
dnsx_port=53532
cat >"$work/nsd.conf" <<CONF
server:
	ip-address: 127.0.0.1@$nsd_port
	server-count: 1
	username: ""
	chroot: ""
	zonesdir: "$work"
	database: ""
	zonelistfile: "$work/zone.list"
	pidfile: "$work/nsd.pid"
	xfrdfile: "$work/xfrd.state"
	xfrdir: "$work"
	logfile: "$work/nsd.log"
	rrl-ratelimit: 0
	verbosity: 0
remote-control:
	control-enable: no
zone:
	name: bench.test
	zonefile: bench.test.zone
CONF

(cd "$root" && go build -o "$work/dnsx-auth" ./examples/dns)
do_flag=()
if [ "${DNSSEC:-0}" = 1 ]; then
	"$work/dnsx-auth" -mode sign -nsec3 -keys "$work" "$work/bench.test.zone" >/dev/null
	mv "$work/bench.test.zone.signed" "$work/bench.test.zone"
	do_flag=(-D)
fi
nsd -d -c "$work/nsd.conf" &
pids+=($!)
"$work/dnsx-auth" -mode auth -listen "127.0.0.1:$dnsx_port" "$work/bench.test.zone" >/dev/null &
pids+=($!)
sleep 1

qps() { # port
	dnsperf -s 127.0.0.1 -p "$1" -d "$work/queries.txt" -c 1 -T 1 -l "$secs" "${do_flag[@]}" 2>&1 |
		awk '/Queries per second/ { print $4 }'
}
ratios=()
for r in $(seq 1 "$runs"); do
	n=$(qps $nsd_port)
	d=$(qps $dnsx_port)
	ratio=$(awk -v d="$d" -v n="$n" 'BEGIN { printf "%.3f", d / n }')
	printf 'run %d: NSD %.0f qps, dnsx %.0f qps, ratio %s\n' "$r" "$n" "$d" "$ratio"
	ratios+=("$ratio")
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
echo "median ratio dnsx/NSD: $median"
