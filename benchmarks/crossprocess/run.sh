#!/usr/bin/env bash
# Cross-process BitTorrent benchmark on loopback: one seeder and one
# leecher, each its own process, ours (crossprocess, this directory) and
# libtorrent (python3-libtorrent), every pairing, over TCP and over uTP,
# no encryption. Runs go in alternating order, ROUNDS times (default 3),
# and the medians are printed as a table with ratios to
# libtorrent->libtorrent. Not run in CI: 512 MiB x 8 pairs x 3 rounds.
#
#   benchmarks/crossprocess/run.sh            # 512 MiB, 3 rounds
#   SIZE_MIB=64 ROUNDS=1 benchmarks/crossprocess/run.sh
#
# Needs go and /usr/bin/python3 with libtorrent (apt install
# python3-libtorrent). The leecher's download directory is emptied before
# each run, so every run moves the whole file.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
size=${SIZE_MIB:-512}
rounds=${ROUNDS:-3}
py=${PYTHON:-/usr/bin/python3}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

(cd "$here/.." && go build -o "$work/xp" ./crossprocess)
mkdir -p "$work/seed"
head -c $((size << 20)) /dev/urandom >"$work/seed/data.bin"
"$work/xp" create "$work/seed/data.bin" "$work/t.torrent"

port=$((20000 + RANDOM % 20000))

# start_seed IMPL NET PORT: starts a seeder, waits for "ready".
start_seed() {
	local out="$work/seed.out"
	: >"$out"
	if [ "$1" = ours ]; then
		"$work/xp" seed -torrent "$work/t.torrent" -dir "$work/seed" -port "$3" -net "$2" >"$out" 2>&1 &
	else
		"$py" "$here/libtorrent_peer.py" seed "$work/t.torrent" "$work/seed" "$3" "$2" >"$out" 2>&1 &
	fi
	seeder=$!
	for _ in $(seq 600); do
		grep -q ready "$out" && return 0
		sleep 0.1
	done
	echo "seeder $1 did not start:" >&2
	cat "$out" >&2
	return 1
}

# leech IMPL NET PORT PEER: downloads, prints MB/s.
leech() {
	rm -rf "$work/leech" && mkdir -p "$work/leech"
	local out
	if [ "$1" = ours ]; then
		out=$("$work/xp" leech -torrent "$work/t.torrent" -dir "$work/leech" -port "$3" -peer "$4" -net "$2")
	else
		out=$("$py" "$here/libtorrent_peer.py" leech "$work/t.torrent" "$work/leech" "$3" "$2" "$4")
	fi
	echo "$out" | awk '/^MB\/s/ {print $2}'
}

declare -A results
pairs=()
for net in tcp utp; do
	for s in ours libtorrent; do
		for l in ours libtorrent; do
			pairs+=("$s $l $net")
		done
	done
done
for round in $(seq "$rounds"); do
	order=("${pairs[@]}")
	if [ $((round % 2)) -eq 0 ]; then # alternate: reversed every other round
		order=()
		for ((i = ${#pairs[@]} - 1; i >= 0; i--)); do order+=("${pairs[i]}"); done
	fi
	for p in "${order[@]}"; do
		read -r s l net <<<"$p"
		port=$((port + 2))
		start_seed "$s" "$net" "$port"
		rate=$(leech "$l" "$net" $((port + 1)) "$port")
		kill "$seeder" 2>/dev/null || true
		wait "$seeder" 2>/dev/null || true
		echo "round $round: $s -> $l over $net: $rate MB/s" >&2
		results["$p"]="${results["$p"]:-} $rate"
	done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.1f\n", (a[NR/2]+a[NR/2+1])/2}'; }
echo
echo "$size MiB, median of $rounds, MB/s (ratio to libtorrent->libtorrent on the same transport)"
printf '%-24s %10s %10s\n' "seeder -> leecher" tcp utp
for s in ours libtorrent; do
	for l in ours libtorrent; do
		row=$(printf '%-24s' "$s -> $l")
		for net in tcp utp; do
			m=$(echo "${results["$s $l $net"]}" | median)
			base=$(echo "${results["libtorrent libtorrent $net"]}" | median)
			row+=$(awk -v m="$m" -v b="$base" 'BEGIN {printf " %6.1f (%.2fx)", m, (b > 0 ? m / b : 0)}')
		done
		echo "$row"
	done
done
