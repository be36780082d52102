#!/usr/bin/env bash
# Liveness experiments on a fresh local committee (committee_lib.sh), each
# from one command, each writing CSV, an SVG plot (gnuplot) and a short
# text summary into its output directory (plots as SVG and PNG).
#
#   tests/bench/experiment.sh NAME [--build DIR] [--out DIR] [--rate TX_PER_S]
#                             [--seconds S]
#
#   leader-crash  4 nodes under an open-loop load of opaque 256-byte txs
#                 sent to nodes 0-2. Halfway, node 3 is SIGKILLed at a
#                 moment node 0 reports it as the leader. Reports the time
#                 from the kill to the next commit, the longest commit gap
#                 after it, the views node 3 led that the chain skips
#                 (node 0's slotsMissed), and throughput before and after.
#   f-crashed     4 nodes (f = 1), load sent to node 0. Node 3 is killed at
#                 25% of the run (f crashed: progress goes on), node 2 at
#                 50% (f + 1: no quorum, no progress), node 2 restarts at
#                 75% (progress resumes). Per phase: throughput; and the
#                 time from the restart to the next commit.
#   scaling       n = 4, 7, 10, 16: per size, one open-loop run at --rate
#                 (latency at that load) and one closed-loop run (the most
#                 it orders), all nodes taking load.
#   ordering-bias 4 nodes, once with `fifo` and once with `priority`
#                 ordering: per trial, two signed txs from two senders,
#                 one to node 0 and one to node 3 at the same moment, one
#                 with twice the other's tip (alternating). Who is ordered
#                 first: the higher tip? the tx sent to the node that
#                 proposed the block? how often are both in one block?
#                 --seconds is ignored; --rate sets the trials per policy
#                 (default 100). Needs cast (deploy/setup.sh) and jq.
#   partitions    4 nodes, each in its own network namespace (deploy/
#                 netns/; root), load from node 0's namespace to node 0.
#                 Phases of --seconds/7 each: all connected; node 3 cut
#                 off both ways (a minority); healed; the leader of the
#                 moment (not node 0) cut off; healed; node 3 hearing
#                 nothing (asymmetric: it still sends); healed. Per
#                 phase: throughput, and the time from each heal to the
#                 next commit. Also `lossy`: the same lab, node 1 losing
#                 N% of its packets both ways for the middle third
#                 (--rate sets the tx/s; SEQ_LOSS_PERCENT, default 20).
#
# Defaults: --build build/release, --out tests/bench/results/NAME,
# --rate 2000, --seconds 20 (scaling: 8 per run). Needs gnuplot (deploy/
# setup.sh installs gnuplot-nox). Times come from seqbench's watcher, which
# polls node 0 every millisecond; see tests/bench/README.md "Experiments".
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=tests/bench/committee_lib.sh disable=SC1091
. "$root/tests/bench/committee_lib.sh"

usage() {
  echo "usage: $0 leader-crash|f-crashed|scaling|ordering-bias|partitions|lossy [--build DIR] [--out DIR] [--rate TX_PER_S] [--seconds S]" >&2
  exit 2
}
[ $# -ge 1 ] || usage
name="$1"
shift
case "$name" in leader-crash | f-crashed | scaling | ordering-bias | partitions | lossy) ;; *) usage ;; esac
build="$root/build/release" out="" rate="" seconds=""
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="$(cd "$2" && pwd)"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    *) usage ;;
  esac
done
[ -n "$seconds" ] || case "$name" in scaling) seconds=8 ;; partitions) seconds=35 ;; *) seconds=20 ;; esac
[ -n "$rate" ] || { [ "$name" = ordering-bias ] && rate=100 || rate=2000; }
[ -n "$out" ] || out="$root/tests/bench/results/$name"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
seqbench="$build/tests/bench/seqbench"
[ -x "$seqbench" ] || { echo "experiment: $seqbench is missing: build $build first" >&2; exit 1; }
command -v gnuplot >/dev/null || { echo "experiment: gnuplot is missing (deploy/setup.sh installs it)" >&2; exit 1; }
trap committee_down EXIT

now_us() { date +%s%6N; }
log() { echo "experiment $name: $*" >&2; }

# JSON number at a path of node I's seq_status (jq-free: the API's JSON is
# flat enough for a targeted sed on compact output). Usage: status_field I KEY
status_field() {
  committee_status "$1" | tr -d ' \n' | sed -n "s/.*\"$2\":\([0-9-]*\).*/\1/p" | head -1
}

# The slotsMissed of validator index V as node I reports it.
slots_missed() {
  committee_status "$1" | tr -d ' \n' |
    sed 's/"index":/\n&/g' | sed -n "s/^\"index\":$2,.*\"slotsMissed\":\([0-9]*\).*/\1/p" | head -1
}

# Runs seqbench in the background against the given node indexes; sets
# bench_pid; JSON to $out/seqbench.json, per-tx CSV to $out/txs.csv.
bench_start() {
  local args=() i
  for i in "$@"; do args+=(--rpc "${committee_rpcs[$i]}"); done
  "$seqbench" "${args[@]}" --rate "$rate" --seconds "$seconds" --csv "$out/txs.csv" \
    >"$out/seqbench.json" 2>"$out/seqbench.log" &
  bench_pid=$!
}

# Seconds since seqbench's start for a wall-clock time in microseconds.
since_start() {
  local start
  start="$(sed -n 's/.*"start_unix_us":\([0-9]*\).*/\1/p' "$out/seqbench.json")"
  awk -v t="$1" -v s="$start" 'BEGIN { printf "%.3f", (t - s) / 1e6 }'
}

# timeline.csv from txs.csv: per 250 ms bin of commit time, the txs
# committed (as tx/s) and their median latency (ms; NaN in a bin without
# commits).
timeline() {
  awk -F, 'NR > 1 && $3 > 0 { b = int($3 / 250000); print b, ($3 - $2) / 1000 }' "$out/txs.csv" |
    sort -k1,1n -k2,2n |
    awk 'function flush() { if (n > 0) printf "%.2f,%d,%.1f\n", (bin + 0.5) * 0.25, n * 4, lat[int((n + 1) / 2)] }
         function empty(to) { for (b = bin + 1; b < to; b++) printf "%.2f,0,NaN\n", (b + 0.5) * 0.25 }
         NR == 1 { bin = -1 }
         $1 != bin { flush(); empty($1); bin = $1; n = 0 }
         { lat[++n] = $2 }
         END { flush() }' >"$out/timeline.body"
  { echo "t_s,ordered_tx_per_s,p50_ms"; cat "$out/timeline.body"; } >"$out/timeline.csv"
  rm -f "$out/timeline.body"
}

# Mean ordered tx/s over commit times [from, to) seconds.
rate_between() {
  awk -F, -v a="$1" -v b="$2" 'NR > 1 && $3 > 0 && $3 / 1e6 >= a && $3 / 1e6 < b { n++ }
    END { printf "%.0f", (b > a) ? n / (b - a) : 0 }' "$out/txs.csv"
}

# p50 and p99 latency (ms) of the txs sent in [from, to) seconds: "p50 p99".
latency_between() {
  awk -F, -v a="$1" -v b="$2" 'NR > 1 && $3 > 0 && $2 / 1e6 >= a && $2 / 1e6 < b { print ($3 - $2) / 1000 }' \
    "$out/txs.csv" | sort -n |
    awk '{ v[NR] = $1 } END { if (NR == 0) print "- -"; else printf "%.1f %.1f", v[int((NR + 1) / 2)], v[int((NR * 99 + 99) / 100)] }'
}

# The first commit after t seconds (seconds), and the longest gap between
# two commits in [t, t + w): "first gap_ms gap_start gap_end".
after() {
  awk -F, 'NR > 1 && $3 > 0 { print $3 / 1e6 }' "$out/txs.csv" | sort -n | uniq |
    awk -v t="$1" -v w="$2" '
      $1 > t && first == "" { first = $1 }
      $1 >= t && $1 < t + w { if (prev != "" && $1 - prev > gap) { gap = $1 - prev; gs = prev; ge = $1 } prev = $1 }
      $1 < t { prev = $1 }
      END { printf "%s %.0f %.3f %.3f", first, gap * 1000, gs, ge }'
}

# Renders the gnuplot script on stdin (which sets no terminal or output)
# into $out/NAME.svg and $out/NAME.png.
render() {
  local script
  script="$(cat)"
  gnuplot <<GP
set terminal svg size 900,500 dynamic font 'sans,11'
set output '$out/$1.svg'
$script
set terminal pngcairo size 900,500 font 'sans,10'
set output '$out/$1.png'
replot
GP
}

plot_timeline() { # title, then "x label" pairs for vertical event lines
  local title="$1" lines="" x y=0.95
  shift
  while [ $# -ge 2 ]; do
    x="$1"
    lines+="set arrow from $x, graph 0 to $x, graph 1 nohead dashtype 2 lc rgb 'red'; set label '$2' at $x, graph $y offset 0.5,0 tc rgb 'red'; "
    # Labels alternate between two heights, so close events stay legible.
    [ "$y" = 0.95 ] && y=0.89 || y=0.95
    shift 2
  done
  render timeline <<GP
set datafile separator ','
set datafile missing 'NaN'
set title '$title'
set xlabel 'seconds since the load started'
set ylabel 'ordered tx/s (250 ms bins)'
set y2label 'p50 latency (ms), by commit time'
set ytics nomirror
set y2tics
set key top left
set grid
$lines
plot '$out/timeline.csv' using 1:2 skip 1 with steps lw 2 title 'ordered tx/s', \
     '' using 1:3 skip 1 axes x1y2 with points pt 7 ps 0.4 title 'p50 latency (ms)'
GP
}

machine() { echo "$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -sr)"; }

# ------------------------------------------------------------ leader-crash

leader_crash() {
  committee_up "$build" 4
  bench_start 0 1 2
  sleep "$(awk -v s="$seconds" 'BEGIN { print s / 2 }')"
  local tries view_at_kill="" kill_us=""
  for ((tries = 0; tries < 2000; tries++)); do
    if [ "$(status_field 0 leaderIndex)" = 3 ]; then
      committee_kill 3 KILL
      kill_us="$(now_us)"
      view_at_kill="$(status_field 0 view)"
      break
    fi
  done
  [ -n "$kill_us" ] || { log "node 3 never led while polled"; return 1; }
  wait "$bench_pid"
  local missed
  missed="$(slots_missed 0 3)"
  timeline
  local kill_s first gap gs ge
  kill_s="$(since_start "$kill_us")"
  read -r first gap gs ge <<<"$(after "$kill_s" 5)"
  local before after_rate
  before="$(rate_between "$(awk -v k="$kill_s" 'BEGIN { print (k > 5 ? k - 5 : 0) }')" "$kill_s")"
  after_rate="$(rate_between "$(awk -v k="$kill_s" 'BEGIN { print k + 1 }')" "$seconds")"
  plot_timeline "leader crash: node 3 of 4 SIGKILLed while leading (offered $rate tx/s)" "$kill_s" "kill -9 node 3"
  {
    echo "leader-crash, $(date -u +%Y-%m-%dT%H:%MZ), $(machine)"
    echo "command: tests/bench/experiment.sh leader-crash --rate $rate --seconds $seconds"
    echo "4 nodes (view timeout base 1000 ms), opaque 256-byte txs at $rate tx/s to nodes 0-2"
    echo "node 3 killed at ${kill_s} s, node 0 at view ${view_at_kill}"
    echo "first commit after the kill: $(awk -v f="$first" -v k="$kill_s" 'BEGIN { printf "%.0f ms", (f - k) * 1000 }') later"
    echo "longest commit gap in the 5 s after: ${gap} ms (${gs} s to ${ge} s)"
    echo "views node 3 led that the chain skips (node 0's slotsMissed): ${missed}"
    echo "ordered: ${before} tx/s in the 5 s before, ${after_rate} tx/s from 1 s after to the end of the load"
    echo "seqbench: $(cat "$out/seqbench.json")"
  } >"$out/summary.txt"
  cat "$out/summary.txt"
}

# ----------------------------------------------------------------- f-crashed

f_crashed() {
  committee_up "$build" 4
  bench_start 0
  local q
  q="$(awk -v s="$seconds" 'BEGIN { print s / 4 }')"
  sleep "$q"
  committee_kill 3 KILL
  local t1 t2 t3
  t1="$(now_us)"
  sleep "$q"
  committee_kill 2 KILL
  t2="$(now_us)"
  sleep "$q"
  committee_start 2
  t3="$(now_us)"
  wait "$bench_pid"
  timeline
  local s1 s2 s3 first
  s1="$(since_start "$t1")" s2="$(since_start "$t2")" s3="$(since_start "$t3")"
  read -r first _ <<<"$(after "$s3" 5)"
  plot_timeline "f and f+1 crashed: 4 nodes, load to node 0 ($rate tx/s)" \
    "$s1" "node 3 down (f)" "$s2" "node 2 down (f+1)" "$s3" "node 2 back"
  {
    echo "f-crashed, $(date -u +%Y-%m-%dT%H:%MZ), $(machine)"
    echo "command: tests/bench/experiment.sh f-crashed --rate $rate --seconds $seconds"
    echo "4 nodes (f = 1), opaque 256-byte txs at $rate tx/s to node 0"
    echo "all up      [0, ${s1}) s: $(rate_between 1 "$s1") tx/s ordered"
    echo "f down      [${s1}, ${s2}) s: $(rate_between "$s1" "$s2") tx/s ordered"
    echo "f+1 down    [${s2}, ${s3}) s: $(rate_between "$s2" "$s3") tx/s ordered"
    echo "f down again, from ${s3} s: first commit $(awk -v f="$first" -v k="$s3" 'BEGIN { printf "%.0f ms", (f - k) * 1000 }') after node 2 restarted"
    echo "seqbench: $(cat "$out/seqbench.json")"
  } >"$out/summary.txt"
  cat "$out/summary.txt"
}

# ----------------------------------------------------------------- scaling

scaling() {
  local n all i json closed
  echo "n,offered_rate,ordered_tx_per_s,p50_ms,p99_ms,closed_loop_tx_per_s,closed_loop_p50_ms" >"$out/scaling.csv"
  for n in 4 7 10 16; do
    log "n = $n"
    committee_up "$build" "$n"
    all=()
    for ((i = 0; i < n; i++)); do all+=(--rpc "${committee_rpcs[$i]}"); done
    json="$("$seqbench" "${all[@]}" --rate "$rate" --seconds "$seconds" 2>>"$out/seqbench.log")"
    closed="$("$seqbench" "${all[@]}" --rate 0 --seconds "$seconds" --batch 200 2>>"$out/seqbench.log")"
    echo "$json" >>"$out/seqbench.jsonl"
    echo "$closed" >>"$out/seqbench.jsonl"
    committee_down
    awk -v n="$n" -v r="$rate" -v a="$json" -v b="$closed" 'function f(j, k) { if (match(j, "\"" k "\":[0-9]+")) return substr(j, RSTART + length(k) + 3, RLENGTH - length(k) - 3); return 0 }
      BEGIN { printf "%d,%d,%d,%.1f,%.1f,%d,%.1f\n", n, r, f(a, "ordered_tx_per_s"), f(a, "p50") / 1000, f(a, "p99") / 1000, f(b, "ordered_tx_per_s"), f(b, "p50") / 1000 }' >>"$out/scaling.csv"
  done
  render scaling <<GP
set datafile separator ','
set title 'committee size: closed-loop throughput and p50 latency at $rate tx/s'
set xlabel 'committee size n'
set ylabel 'ordered tx/s (closed loop)'
set y2label 'p50 latency at $rate tx/s (ms)'
set ytics nomirror
set y2tics
set yrange [0:*]
set y2range [0:*]
set xtics (4, 7, 10, 16)
set key top right
set grid
plot '$out/scaling.csv' using 1:6 skip 1 with linespoints lw 2 pt 7 title 'closed-loop tx/s', \
     '' using 1:4 skip 1 axes x1y2 with linespoints lw 2 pt 5 title 'p50 at $rate tx/s (ms)'
GP
  {
    echo "scaling, $(date -u +%Y-%m-%dT%H:%MZ), $(machine)"
    echo "command: tests/bench/experiment.sh scaling --rate $rate --seconds $seconds"
    echo "every node takes load; opaque 256-byte txs; closed loop with --batch 200"
    column -s, -t "$out/scaling.csv"
    awk -F, 'NR == 2 { base = $6 } NR > 1 { last = $6; ln = $1 } END { if (base > 0) printf "closed-loop throughput at n=%d: %.0f%% of n=4\n", ln, 100 * last / base }' "$out/scaling.csv"
  } >"$out/summary.txt"
  cat "$out/summary.txt"
}

# ------------------------------------------------------------ ordering-bias

cast="$root/deploy/node_modules/.bin/cast"
key_a=0x00000000000000000000000000000000000000000000000000000000000000a1
key_b=0x00000000000000000000000000000000000000000000000000000000000000b2

rpc_call() { # node method params_json
  curl -s -m 5 -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$2\",\"params\":$3}" "${committee_rpcs[$1]}"
}

signed_tx() { # key nonce tip_gwei
  "$cast" mktx --private-key "$1" --chain 901 --nonce "$2" --gas-limit 21000 \
    --gas-price "$(($3 * 2 + 2))gwei" --priority-gas-price "$3gwei" \
    0x0000000000000000000000000000000000000001
}

# Where tx hash was ordered, as "height index" once committed.
placed() { # node hash
  local tries r
  for ((tries = 0; tries < 500; tries++)); do
    r="$(rpc_call "$1" seq_getTransactionStatus "[\"$2\"]" |
      jq -r '.result.softConfirmed | if . == null then "" else "\(.height) \(.index)" end')"
    [ -n "$r" ] && { echo "$r"; return 0; }
    sleep 0.01
  done
  return 1
}

ordering_run() { # policy; appends trials to $out/trials.csv
  local policy="$1" k addrs=() i
  committee_up "$build" 4 --ordering "$policy"
  for ((i = 0; i < 4; i++)); do addrs+=("$(committee_status "$i" | jq -r '.result.validator' | tr 'A-F' 'a-f')"); done
  for ((k = 0; k < rate; k++)); do
    local tip_a=1 tip_b=2
    ((k % 2 == 0)) && tip_a=2 tip_b=1
    local ra rb ha hb
    ra="$(signed_tx "$key_a" "$k" "$tip_a")" rb="$(signed_tx "$key_b" "$k" "$tip_b")"
    rpc_call 0 eth_sendRawTransaction "[\"$ra\"]" >"$committee_dir/a.json" &
    local pa=$!
    rpc_call 3 eth_sendRawTransaction "[\"$rb\"]" >"$committee_dir/b.json" &
    wait "$pa" "$!"
    ha="$(jq -r '.result' "$committee_dir/a.json")" hb="$(jq -r '.result' "$committee_dir/b.json")"
    local pos_a pos_b
    if ! pos_a="$(placed 0 "$ha")" || ! pos_b="$(placed 0 "$hb")"; then
      log "trial $k: not committed"
      continue
    fi
    local first proposer
    first="$(awk -v a="$pos_a" -v b="$pos_b" 'BEGIN { split(a, x, " "); split(b, y, " ");
      print (x[1] < y[1] || (x[1] == y[1] && x[2] < y[2])) ? "a" : "b" }')"
    local first_height="${pos_a%% *}"
    [ "$first" = b ] && first_height="${pos_b%% *}"
    proposer="$(rpc_call 0 seq_getBlockByHeight "[$first_height]" | jq -r '.result.proposer' | tr 'A-F' 'a-f')"
    local proposer_index=-1
    for ((i = 0; i < 4; i++)); do [ "${addrs[$i]}" = "$proposer" ] && proposer_index=$i; done
    echo "$policy,$k,$tip_a,$tip_b,${pos_a// /,},${pos_b// /,},$first,$proposer_index" >>"$out/trials.csv"
  done
  committee_down
}

ordering_bias() {
  [ -x "$cast" ] || { echo "experiment: $cast is missing (deploy/setup.sh installs it)" >&2; exit 1; }
  command -v jq >/dev/null || { echo "experiment: jq is missing (deploy/setup.sh installs it)" >&2; exit 1; }
  echo "policy,trial,tip_a,tip_b,height_a,index_a,height_b,index_b,first,first_block_proposer" >"$out/trials.csv"
  ordering_run fifo
  ordering_run priority
  # Per policy: trials, both in one block, the higher tip first (overall
  # and within one block), and, among trials whose first-ordered tx's
  # block was proposed by node 0 or 3 (the two ingress nodes), how often
  # that tx is the one sent to the proposer (an ingress advantage shows
  # as a share above 50%).
  awk -F, 'NR > 1 { p = $1; n[p]++; same = $5 == $7; s[p] += same
      high = ($3 > $4) ? "a" : "b"; h[p] += $9 == high; if (same) hs[p] += $9 == high
      if ($10 == 0 || $10 == 3) { o[p]++; own = ($10 == 0) ? "a" : "b"; ow[p] += $9 == own } }
    END { for (p in n) printf "%s,%d,%d,%d,%d,%d,%d\n", p, n[p], s[p], h[p], hs[p], o[p], ow[p] }' \
    "$out/trials.csv" | sort >"$out/ordering.body"
  { echo "policy,trials,same_block,high_tip_first,high_tip_first_in_same_block,proposer_ingress_trials,proposer_ingress_first"
    cat "$out/ordering.body"; } >"$out/ordering.csv"
  rm -f "$out/ordering.body"
  awk -F, 'NR > 1 { printf "%s %f %f %f\n", $1, 100 * $3 / $2, 100 * $4 / $2, ($6 > 0) ? 100 * $7 / $6 : 0 }' \
    "$out/ordering.csv" >"$out/ordering.dat"
  render ordering <<GP
set title 'ordering bias: two competing txs sent at once to nodes 0 and 3 ($rate trials per policy)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set ylabel '% of trials'
set yrange [0:105]
set key top left
set grid ytics
plot '$out/ordering.dat' using 2:xtic(1) title 'both in one block', \
     '' using 3 title 'higher tip ordered first', \
     '' using 4 title 'tx sent to the proposer first'
GP
  {
    echo "ordering-bias, $(date -u +%Y-%m-%dT%H:%MZ), $(machine)"
    echo "command: tests/bench/experiment.sh ordering-bias --rate $rate"
    echo "4 nodes; per trial tx a (sender 0x..a1) to node 0 and tx b (sender 0x..b2) to node 3 at once;"
    echo "one tip 2 gwei, the other 1 gwei, alternating; each policy on a fresh committee"
    column -s, -t "$out/ordering.csv"
  } >"$out/summary.txt"
  cat "$out/summary.txt"
}

# -------------------------------------------------------- partitions, lossy

netns_dir="$root/deploy/netns"
lab_n=4 lab_peer_port=7000 lab_rpc_port=8000 lab_up=false lab_pids=()
export SEQ_NETNS_PREFIX="seqd-x$$-ns" SEQ_NETNS_HUB="seqd-x$$-hub"
lab_ip() { printf '10.77.0.%s' "$((10 + $1))"; }
lab_ns() { printf '%s%s' "$SEQ_NETNS_PREFIX" "$1"; }
lab_rpc() { # node method params
  ip netns exec "$(lab_ns "$1")" curl -s -m 2 \
    -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$2\",\"params\":$3}" \
    "http://$(lab_ip "$1"):$lab_rpc_port/" || true
}

lab_down() {
  local pid
  for pid in "${lab_pids[@]}"; do if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi; done
  for pid in "${lab_pids[@]}"; do if [ -n "$pid" ]; then wait "$pid" 2>/dev/null || true; fi; done
  lab_pids=()
  if $lab_up; then "$netns_dir/netns.sh" down >/dev/null || true; fi
  lab_up=false
  [ -n "${lab_dir:-}" ] && rm -rf "$lab_dir"
}

# Four seqd in four namespaces, committing; seqbench later runs in node 0's.
lab_start() {
  [ "$(id -u)" -eq 0 ] || { echo "experiment $name: needs root (network namespaces)" >&2; exit 1; }
  lab_dir="$(mktemp -d "${TMPDIR:-/tmp}/seqd-lab-XXXXXX")"
  trap 'lab_down; committee_down' EXIT
  lab_up=true
  "$netns_dir/netns.sh" up -n "$lab_n" >/dev/null
  local gen=() i
  for ((i = 0; i < lab_n; i++)); do
    "$build/node/seqctl" keygen --out "$lab_dir/k$i" --insecure-key >/dev/null 2>&1
    gen+=(--key-dir "$lab_dir/k$i" --endpoint "tcp://$(lab_ip "$i"):$lab_peer_port")
  done
  "$build/node/seqctl" genesis --l2-chain-id 901 --l1-chain-id 31337 --out "$lab_dir/genesis.json" \
    --block-tx-bytes-max 2097152 --block-txs-max 16384 "${gen[@]}" >/dev/null
  for ((i = 0; i < lab_n; i++)); do
    cat >"$lab_dir/node$i.json" <<JSON
{"version": 1, "data_dir": "data$i", "genesis": "genesis.json", "key_dir": "k$i",
 "insecure_key": true, "rpc_listen": "http://$(lab_ip "$i"):$lab_rpc_port", "log_level": "warn"}
JSON
    ip netns exec "$(lab_ns "$i")" "$build/node/seqd" --config "$lab_dir/node$i.json" \
      >>"$lab_dir/node$i.log" 2>&1 &
    lab_pids[i]=$!
  done
  local tries h
  for ((tries = 0; tries < 100; tries++)); do
    h="$(lab_rpc 0 seq_status '[]' | grep -o '"height":[0-9]*' | head -1 | cut -d: -f2 || true)"
    [ -n "$h" ] && [ "$h" -ge 3 ] && return 0
    sleep 0.2
  done
  echo "experiment $name: the lab committee does not commit (logs in $lab_dir)" >&2
  exit 1
}

lab_bench_start() {
  ip netns exec "$(lab_ns 0)" "$seqbench" --rpc "http://$(lab_ip 0):$lab_rpc_port" --rate "$rate" \
    --seconds "$seconds" --csv "$out/txs.csv" >"$out/seqbench.json" 2>"$out/seqbench.log" &
  bench_pid=$!
}

partitions() {
  lab_start
  lab_bench_start
  local p events=() marks=() leader t
  p="$(awk -v s="$seconds" 'BEGIN { print s / 7 }')"
  sleep "$p"
  "$netns_dir/partition.sh" isolate 3 >/dev/null
  marks+=("$(now_us)") events+=("node 3 cut off")
  sleep "$p"
  "$netns_dir/partition.sh" heal 3 >/dev/null
  marks+=("$(now_us)") events+=("healed")
  sleep "$p"
  for ((t = 0; t < 500; t++)); do
    leader="$(lab_rpc 0 seq_status '[]' | grep -o '"leaderIndex":[0-9]*' | head -1 | cut -d: -f2 || true)"
    [ -n "$leader" ] && [ "$leader" != 0 ] && break
  done
  "$netns_dir/partition.sh" isolate "$leader" >/dev/null
  marks+=("$(now_us)") events+=("leader (node $leader) cut off")
  sleep "$p"
  "$netns_dir/partition.sh" heal "$leader" >/dev/null
  marks+=("$(now_us)") events+=("healed")
  sleep "$p"
  "$netns_dir/partition.sh" isolate 3 --dir in >/dev/null
  marks+=("$(now_us)") events+=("node 3 hears nothing")
  sleep "$p"
  "$netns_dir/partition.sh" heal 3 --dir in >/dev/null
  marks+=("$(now_us)") events+=("healed")
  wait "$bench_pid"
  timeline
  local args=() secs=() k
  for k in "${!marks[@]}"; do
    secs[k]="$(since_start "${marks[k]}")"
    args+=("${secs[k]}" "${events[k]}")
  done
  plot_timeline "partitions: 4 nodes in network namespaces, $rate tx/s to node 0" "${args[@]}"
  {
    echo "partitions, $(date -u +%Y-%m-%dT%H:%MZ), $(machine)"
    echo "command: tests/bench/experiment.sh partitions --rate $rate --seconds $seconds"
    echo "4 nodes in network namespaces (nftables drops), opaque 256-byte txs at $rate tx/s to node 0"
    local from=1 k2
    local l
    for k in "${!marks[@]}"; do
      l="$(latency_between "$from" "${secs[k]}")"
      echo "[${from}, ${secs[k]}) s: $(rate_between "$from" "${secs[k]}") tx/s ordered, latency p50 ${l% *} ms p99 ${l#* } ms; then: ${events[k]}"
      from="${secs[k]}"
    done
    l="$(latency_between "$from" "$seconds")"
    echo "[${from}, ${seconds}) s: $(rate_between "$from" "$seconds") tx/s ordered, latency p50 ${l% *} ms p99 ${l#* } ms"
    for k2 in 1 3 5; do
      read -r first gap _ <<<"$(after "${secs[k2]}" "$p")"
      echo "after heal at ${secs[k2]} s: first commit $(awk -v f="$first" -v k="${secs[k2]}" 'BEGIN { printf "%.0f ms", (f - k) * 1000 }') later, longest gap in the phase ${gap} ms"
    done
    echo "seqbench: $(cat "$out/seqbench.json")"
  } >"$out/summary.txt"
  cat "$out/summary.txt"
}

lossy() {
  local loss="${SEQ_LOSS_PERCENT:-20}" third s1 s2 t1 t2
  lab_start
  lab_bench_start
  third="$(awk -v s="$seconds" 'BEGIN { print s / 3 }')"
  sleep "$third"
  "$netns_dir/loss.sh" set 1 "$loss" >/dev/null
  t1="$(now_us)"
  sleep "$third"
  "$netns_dir/loss.sh" clear 1 >/dev/null
  t2="$(now_us)"
  wait "$bench_pid"
  timeline
  s1="$(since_start "$t1")" s2="$(since_start "$t2")"
  plot_timeline "lossy link: node 1 of 4 drops $loss% of its packets, $rate tx/s to node 0" \
    "$s1" "node 1 lossy" "$s2" "loss cleared"
  {
    echo "lossy, $(date -u +%Y-%m-%dT%H:%MZ), $(machine)"
    echo "command: SEQ_LOSS_PERCENT=$loss tests/bench/experiment.sh lossy --rate $rate --seconds $seconds"
    echo "4 nodes in network namespaces, node 1 dropping $loss% of packets in and out (nftables)"
    local l
    l="$(latency_between 1 "$s1")"
    echo "before   [1, ${s1}) s: $(rate_between 1 "$s1") tx/s ordered; latency p50 ${l% *} ms, p99 ${l#* } ms"
    l="$(latency_between "$s1" "$s2")"
    echo "lossy    [${s1}, ${s2}) s: $(rate_between "$s1" "$s2") tx/s ordered; latency p50 ${l% *} ms, p99 ${l#* } ms"
    l="$(latency_between "$s2" "$seconds")"
    echo "after    [${s2}, ${seconds}) s: $(rate_between "$s2" "$seconds") tx/s ordered; latency p50 ${l% *} ms, p99 ${l#* } ms"
    echo "seqbench: $(cat "$out/seqbench.json")"
  } >"$out/summary.txt"
  cat "$out/summary.txt"
}

case "$name" in
  partitions) partitions ;;
  lossy) lossy ;;
  ordering-bias) ordering_bias ;;
  leader-crash) leader_crash ;;
  f-crashed) f_crashed ;;
  scaling) scaling ;;
esac
log "results in $out (summary.txt, *.csv, *.svg, *.png)"
