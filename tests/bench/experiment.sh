#!/usr/bin/env bash
# Liveness and latency experiments on a fresh local committee
# (committee_lib.sh), each from one command, each writing CSV, a plot
# (gnuplot; SVG and PNG) and a short text summary into its output
# directory.
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
#   load          latency against offered load: n = 4, opaque 256-byte
#                 txs round robin to all nodes, one seqbench run of
#                 --seconds (default 8) per point, each on a fresh
#                 committee. --rate is the list of points, tx/s separated
#                 by commas, 0 for a closed-loop run with --batch 200
#                 (default 100,1000,2000,5000,10000,20000,30000,40000,45000,
#                 50000,0).
#                 Up to 100 tx/s seqbench sends one tx per request from one
#                 thread; above, 4 threads and batches of rate/100 txs (at
#                 most 100). Per point: offered and ordered tx/s, latency
#                 p50/p90/p99/max, refused txs. Needs jq.
#   ordering-bias 4 nodes, once with `fifo` and once with `priority`
#                 ordering: per trial, two signed txs from two senders,
#                 one to node 0 and one to node 3 at the same moment, one
#                 with twice the other's tip (alternating). Who is ordered
#                 first: the higher tip? the tx sent to the node that
#                 proposed the block? how often are both in one block?
#                 --seconds is ignored; --rate sets the trials per policy
#                 (default 100). Needs cast (deploy/setup.sh) and jq.
#   censorship    a censoring leader set against forced inclusion: 4 nodes
#                 on an anvil L1 (1 s blocks; committee_l1_up) with an
#                 inclusion window of SEQ_WINDOW_BLOCKS (16) L1 blocks; a
#                 forced tx queued at L1 block q is due at origin q + 4.
#                 For k = 0..4 the nodes restart (same chain) with sender S
#                 censored by nodes 0..k-1 (the test mode "censor_senders":
#                 as leader they leave S's txs out, forced ones until due).
#                 Per k: SEQ_FORCED_TXS (3) of S's txs queued on L1 with
#                 `seqctl force-include` (q to committed in L2, in L1
#                 blocks of origin and in seconds; q to posted in a batch),
#                 then --rate (default 8) ordinary signed txs from S, one
#                 at a time, round robin to the nodes (sent to committed;
#                 "pending" after --seconds, default 10). About 2 minutes.
#                 Default --build build/bench (the bench preset: release
#                 with -DSEQ_TEST_MODES=ON). Needs anvil and cast
#                 (deploy/setup.sh) and jq.
#   slow-node     4 nodes, load to nodes 0-2; node 3's transport holds
#                 everything it sends (the fault layer, `seqctl fault`) for
#                 0, 20, 100, 400 and 1500 ms (the last beyond the 1 s view
#                 timeout), then heals: six phases of --seconds/6 (default
#                 36 s in all). Per phase: throughput, latency p50/p99, and
#                 the views node 3 led that the chain skipped. Default
#                 --build build/bench (the fault layer is a test mode).
#   message-loss  4 nodes with the fault layer on (build/bench, no root):
#                 for the middle third of --seconds (default 20), the
#                 messages between node 1 and every other node are lost
#                 with probability SEQ_LOSS_PERCENT (default 20) each way,
#                 whole messages, never retransmitted (unlike `lossy`,
#                 whose TCP recovers dropped packets). Load to node 0.
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
# Defaults: --build build/release (censorship, slow-node, message-loss:
# build/bench), --out
# tests/bench/results/NAME, --rate 2000, --seconds 20 (scaling: 8 per run;
# others as above). Needs gnuplot (deploy/setup.sh installs gnuplot-nox).
# Load times come from seqbench's watcher, which polls node 0 every
# millisecond; see tests/bench/README.md "Experiments".
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=tests/bench/committee_lib.sh disable=SC1091
. "$root/tests/bench/committee_lib.sh"

usage() {
  echo "usage: $0 leader-crash|f-crashed|scaling|load|ordering-bias|censorship|slow-node|message-loss|partitions|lossy" >&2
  echo "       [--build DIR] [--out DIR] [--rate TX_PER_S (load: a list, e.g. 100,1000,0)] [--seconds S]" >&2
  exit 2
}
[ $# -ge 1 ] || usage
name="$1"
shift
case "$name" in leader-crash | f-crashed | scaling | load | ordering-bias | censorship | slow-node | message-loss | partitions | lossy) ;; *) usage ;; esac
build="" out="" rate="" seconds=""
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    *) usage ;;
  esac
done
[ -n "$seconds" ] || case "$name" in scaling | load) seconds=8 ;; censorship) seconds=10 ;; partitions | slow-node) seconds=36 ;; *) seconds=20 ;; esac
[ -n "$rate" ] || case "$name" in
  ordering-bias) rate=100 ;;
  censorship) rate=8 ;;
  load) rate=100,1000,2000,5000,10000,20000,30000,40000,45000,50000,0 ;;
  *) rate=2000 ;;
esac
if [ -z "$build" ]; then
  build="$root/build/release"
  if [ "$name" = censorship ] || [ "$name" = slow-node ] || [ "$name" = message-loss ]; then
    build="$root/build/bench"
    [ -x "$build/node/seqd" ] || {
      echo "experiment $name: $build/node/seqd is missing; it needs a build with the test modes:" >&2
      echo "  cmake --preset bench && cmake --build --preset bench" >&2
      exit 1
    }
  fi
fi
build="$(cd "$build" && pwd)"
[ -n "$out" ] || out="$root/tests/bench/results/$name"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
seqbench="$build/tests/bench/seqbench"
[ "$name" = censorship ] || [ -x "$seqbench" ] ||
  { echo "experiment: $seqbench is missing: build $build first" >&2; exit 1; }
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

# One summary line: "LABEL [FROM, TO) s: N tx/s ordered; latency p50 A ms,
# p99 B ms" for the txs of [FROM, TO) seconds.
phase_line() { # label from to
  local l
  l="$(latency_between "$2" "$3")"
  printf '%-8s [%s, %s) s: %s tx/s ordered; latency p50 %s ms, p99 %s ms\n' "$1" "$2" "$3" \
    "$(rate_between "$2" "$3")" "${l% *}" "${l#* }"
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
# into $out/NAME.svg and $out/NAME.png, at WIDTH,HEIGHT (default 900,500).
# The script runs once per terminal (not `replot`), so a multiplot works.
render() { # NAME [WIDTH,HEIGHT]
  local script size="${2:-900,500}"
  script="$(cat)"
  gnuplot <<GP
set terminal svg size $size dynamic font 'sans,11'
set output '$out/$1.svg'
$script
unset multiplot
reset
set terminal pngcairo size $size font 'sans,10'
set output '$out/$1.png'
$script
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
    phase_line before 1 "$s1"
    phase_line lossy "$s1" "$s2"
    phase_line after "$s2" "$seconds"
    echo "seqbench: $(cat "$out/seqbench.json")"
  } >"$out/summary.txt"
  cat "$out/summary.txt"
}

# --------------------------------------------------------------------- load

# One point of the sweep on a fresh committee of 4, every node taking load:
# seqbench at offered rate r (0: closed loop, --batch 200). Up to 100 tx/s
# one tx per request from one thread; above, 4 threads and batches of
# r/100 txs (at most 100), so about 100 requests a second reach the nodes
# at every load (closed loop: as fast as they answer). Appends to
# $out/load.body.
load_point() {
  local r="$1" batch threads=4 all=() i json
  if [ "$r" -eq 0 ]; then
    batch=200
  elif [ "$r" -le 100 ]; then
    batch=1 threads=1
  else
    batch=$((r / 100 > 100 ? 100 : r / 100))
  fi
  committee_up "$build" 4
  for ((i = 0; i < 4; i++)); do all+=(--rpc "${committee_rpcs[$i]}"); done
  local cpu_before cpu_after
  cpu_before="$(committee_cpu_ticks)"
  json="$("$seqbench" "${all[@]}" --rate "$r" --seconds "$seconds" --batch "$batch" \
    --threads "$threads" 2>>"$out/seqbench.log")"
  cpu_after="$(committee_cpu_ticks)"
  committee_down
  echo "$json" >>"$out/seqbench.jsonl"
  # seqbench's latencies are in microseconds (latency_us); the CSV has ms.
  # node_cpu_us_per_tx: the CPU time (user + system) the 4 seqd processes
  # used during the seqbench run, over the txs it saw committed.
  jq -r --argjson r "$r" --argjson ticks "$((cpu_after - cpu_before))" --argjson hz "$(getconf CLK_TCK)" \
    '[$r, .batch, .threads, .sent, .offered_tx_per_s, .ordered_tx_per_s,
      .confirmed, .refused, .http_errors,
      (.latency_us | .p50, .p90, .p99, .max | . / 100 | round / 10), .blocks,
      (if .confirmed > 0 then $ticks / $hz * 1e6 / .confirmed | . * 10 | round / 10 else null end)] | @csv' \
    <<<"$json" >>"$out/load.body"
}

# The CPU time (user + system, in clock ticks) the running nodes used so
# far: fields 14 and 15 of /proc/PID/stat (after the parenthesised name).
committee_cpu_ticks() {
  local pid total=0 stat fields
  for pid in "${committee_pids[@]}"; do
    [ -n "$pid" ] && stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || continue
    read -ra fields <<<"${stat##*) }"
    total=$((total + fields[11] + fields[12]))
  done
  echo "$total"
}

load() {
  command -v jq >/dev/null || { echo "experiment: jq is missing (deploy/setup.sh installs it)" >&2; exit 1; }
  local rates=() r
  IFS=, read -ra rates <<<"$rate"
  for r in "${rates[@]}"; do
    [[ "$r" =~ ^[0-9]+$ ]] || { echo "experiment load: --rate takes tx/s values separated by commas (0: closed loop), not '$r'" >&2; exit 2; }
  done
  local load_before
  load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
  : >"$out/load.body"
  rm -f "$out/seqbench.jsonl" "$out/seqbench.log"
  for r in "${rates[@]}"; do
    if [ "$r" -eq 0 ]; then log "closed loop"; else log "offered $r tx/s"; fi
    load_point "$r"
  done
  # Open-loop points by offered rate, then the closed loop.
  { echo "requested_tx_per_s,batch,threads,sent,offered_tx_per_s,ordered_tx_per_s,confirmed,refused,http_errors,p50_ms,p90_ms,p99_ms,max_ms,blocks,node_cpu_us_per_tx"
    awk -F, '$1 > 0' "$out/load.body" | sort -t, -k1,1n
    awk -F, '$1 == 0' "$out/load.body"; } >"$out/load.csv"
  rm -f "$out/load.body"
  local closed ceiling=""
  closed="$(awk -F, 'NR > 1 && $1 == 0 { print $6 }' "$out/load.csv" | tail -1)"
  [ -z "$closed" ] || ceiling="set arrow from graph 0, first $closed to graph 1, first $closed nohead dt 3 lw 2 lc rgb 'black'
set label 'closed loop: $closed tx/s' at graph 0.55, first $closed offset 0,0.7"
  render load 1200,520 <<GP
set datafile separator ','
set multiplot layout 1,2 title 'latency against load: 4 nodes, opaque 256-byte txs to every node, $seconds s per point, a fresh committee each'
set grid
set key top left
set logscale xy
set xlabel 'ordered tx/s (committed)'
set ylabel 'latency, sent to committed (ms)'
plot '$out/load.csv' using (\$1 > 0 ? \$6 : NaN):10 skip 1 with linespoints lw 2 pt 7 title 'p50 (open loop)', \\
     '' using (\$1 > 0 ? \$6 : NaN):11 skip 1 with linespoints lw 1 dt 2 pt 6 title 'p90', \\
     '' using (\$1 > 0 ? \$6 : NaN):12 skip 1 with linespoints lw 2 pt 5 title 'p99', \\
     '' using (\$1 == 0 ? \$6 : NaN):10 skip 1 with points pt 9 ps 1.6 lc rgb 'black' title 'closed loop p50', \\
     '' using (\$1 == 0 ? \$6 : NaN):12 skip 1 with points pt 11 ps 1.6 lc rgb 'black' title 'closed loop p99'
unset logscale
set xrange [0:*]
set yrange [0:*]
set xlabel 'offered tx/s (sent by seqbench, open loop)'
set ylabel 'ordered tx/s (committed)'
$ceiling
plot '$out/load.csv' using (\$1 > 0 ? \$5 : NaN):6 skip 1 with linespoints lw 2 pt 7 title 'open loop', \\
     x with lines dt 2 lc rgb 'gray' title 'ordered = offered'
unset multiplot
GP
  {
    echo "load, $(date -u +%Y-%m-%dT%H:%MZ), $(machine), load average before: $load_before"
    echo "command: tests/bench/experiment.sh load --rate $rate --seconds $seconds"
    echo "4 nodes, a fresh committee per point, opaque 256-byte txs round robin to all 4 nodes, $seconds s per point;"
    echo "up to 100 tx/s: --batch 1 --threads 1; above: --threads 4, --batch rate/100 (at most 100);"
    echo "requested 0 = closed loop (--batch 200). Latency: sent to seen committed by seqbench's"
    echo "watcher (node 0, polled every ms), over the confirmed txs only; offered = sent / send time,"
    echo "ordered = confirmed / time to the last commit. node_cpu_us_per_tx: CPU time (user + system)"
    echo "of the 4 seqd processes during the run over the confirmed txs (all 4 nodes' work per tx)."
    column -s, -t "$out/load.csv"
    awk -F, 'NR > 1 && $1 > 0 && $6 >= 0.95 * $5 { best = $6; p99 = $12 } NR > 1 && $1 == 0 { closed = $6 }
      END { if (best != "") printf "highest open-loop point ordered at >= 95%% of offered: %d tx/s (p99 %s ms)\n", best, p99
            if (closed != "") printf "closed loop ordered: %d tx/s\n", closed }' "$out/load.csv"
  } >"$out/summary.txt"
  cat "$out/summary.txt"
}

# --------------------------------------------------------------- censorship

# S: the censored L2 sender (a fixed test key); its txs go to 0x..aa.
censor_key=0x00000000000000000000000000000000000000000000000000000000000000c5
censor_addr="" nonce_next=0 window_blocks=16 due_blocks=4 forced_count=3
validator_addrs=()
f_index=() f_nonce=() f_call_us=() f_seen_us=() # the forced txs of the round at hand

# The wall clock in microseconds. $(usec) costs a subshell: the timed loop
# of ordinary_round reads EPOCHREALTIME itself.
usec() { echo "${EPOCHREALTIME/./}"; }

censored_tx() { # nonce: S's signed EIP-1559 tx as 0x hex
  "$cast" mktx --private-key "$censor_key" --chain 901 --nonce "$1" --gas-limit 21000 \
    --gas-price 2gwei --priority-gas-price 1gwei 0x00000000000000000000000000000000000000aa
}

proposer_index() { # address -> committee index (-1: unknown)
  local a i
  a="$(tr 'A-F' 'a-f' <<<"$1")"
  for i in "${!validator_addrs[@]}"; do [ "${validator_addrs[$i]}" = "$a" ] && { echo "$i"; return; }; done
  echo -1
}

block_json() { rpc_call "$1" seq_getBlockByHeight "[$2]"; } # node height

# Restarts every node (SIGTERM, new configs) with S in the censor list of
# nodes 0..k-1; waits until all commit 3 blocks past where they stopped,
# and checks that exactly those nodes logged test_mode since.
censor_restart() {
  local k="$1" i h sizes=()
  h="$(committee_height 0)"
  for ((i = 0; i < 4; i++)); do committee_kill "$i" TERM; done
  for ((i = 0; i < 4; i++)); do
    if ((i < k)); then
      committee_config "$i" "\"test\": {\"censor_senders\": [\"$censor_addr\"]}"
    else
      committee_config "$i"
    fi
    sizes[i]="$(stat -c %s "$committee_dir/node$i.log")"
    committee_start "$i"
  done
  committee_wait_height "$((h + 3))" 60
  for ((i = 0; i < 4; i++)); do
    if tail -c +"$((sizes[i] + 1))" "$committee_dir/node$i.log" | grep -q test_mode; then
      ((i < k)) || { log "node $i logged test_mode but should not censor"; exit 1; }
    else
      ((i >= k)) || { log "node $i did not log test_mode: is $build built with -DSEQ_TEST_MODES=ON?"; exit 1; }
    fi
  done
}

# Queues forced_count of S's txs on L1 back to back (each force-include
# waits for its receipt, so they land in consecutive L1 blocks), then
# waits until node 3 has each in a committed block; sets f_index,
# f_nonce, f_call_us (before the call) and f_seen_us (the poll that saw
# it committed).
forced_round() {
  local k="$1" j json raw left until
  f_index=() f_nonce=() f_call_us=() f_seen_us=()
  for ((j = 0; j < forced_count; j++)); do
    raw="$(censored_tx "$nonce_next")"
    f_call_us[j]="$(usec)"
    json="$("$committee_seqctl" force-include --rpc "$committee_l1_rpc" --deployment "$committee_deployment" \
      --key "$committee_dev_key" --tx "$raw" --json 2>>"$out/seqctl.log" | grep -o '{.*}')" ||
      { log "k=$k: seqctl force-include failed (see $out/seqctl.log)"; exit 1; }
    f_index[j]="$(jq -r .index <<<"$json")" f_nonce[j]="$nonce_next"
    nonce_next=$((nonce_next + 1))
  done
  left="$forced_count"
  until=$(($(usec) + (window_blocks * 3 + 30) * 1000000))
  while ((left > 0)); do
    ((  $(usec) < until )) || { log "k=$k: forced txs not in L2 after $((window_blocks * 3 + 30)) s"; exit 1; }
    for ((j = 0; j < forced_count; j++)); do
      [ -z "${f_seen_us[j]:-}" ] || continue
      if rpc_call 3 seq_getForcedEntry "[${f_index[j]}]" | grep -q '"consumed":{'; then
        f_seen_us[j]="$(usec)"
        left=$((left - 1))
      fi
    done
    sleep 0.05
  done
}

# Waits until node 3 reports every forced entry of the round posted on L1
# (a batch consuming it), then appends one row per entry to forced.csv.
forced_report() {
  local k="$1" j e until b origin q soft_ms
  until=$(($(usec) + (window_blocks * 3 + 60) * 1000000))
  for ((j = 0; j < forced_count; j++)); do
    e="$(rpc_call 3 seq_getForcedEntry "[${f_index[j]}]")"
    while ! grep -q '"posted":{' <<<"$e"; do
      (($(usec) < until)) || { log "k=$k: forced entry ${f_index[j]} not posted in time"; break; }
      sleep 0.2
      e="$(rpc_call 3 seq_getForcedEntry "[${f_index[j]}]")"
    done
    b="$(block_json 3 "$(jq -r .result.consumed.height <<<"$e")")"
    origin="$(jq -r .result.l1OriginNumber <<<"$b")" q="$(jq -r .result.l1Block <<<"$e")"
    soft_ms="$(jq -r .result.consumed.softLatencyMs <<<"$e")"
    jq -r --argjson k "$k" --argjson j "$j" --argjson n "${f_nonce[j]}" --argjson o "$origin" \
      --argjson p "$(proposer_index "$(jq -r .result.proposer <<<"$b")")" \
      --argjson call "$(((f_seen_us[j] - f_call_us[j]) / 1000))" \
      '.result | [$k, $j, $n, .index, .l1Block, .dueL1Block, .deadlineL1Block, .consumed.height, $p,
        $o, $o - .l1Block, .consumed.softLatencyMs / 1000, $call / 1000,
        (.posted.l1Block // ""), (if .posted then .posted.l1Block - .l1Block else "" end),
        (if .posted then .posted.postedLatencyMs / 1000 else "" end),
        (if .posted then .posted.withinWindow else "" end), .consumed.copied] | @csv' <<<"$e" >>"$out/forced.csv"
    log "k=$k: forced entry ${f_index[j]} queued at L1 block $q: in L2 at origin q+$((origin - q)) ($((soft_ms / 1000)).$(((soft_ms % 1000) / 100)) s), posted at L1 block $(jq -r '.result.posted.l1Block // "-"' <<<"$e")"
  done
}

# Forced txs are consumed in queue order: S's next nonce follows them only
# if every one was copied into L2.
forced_nonces_check() {
  if awk -F, -v k="$1" '$1 == k && $18 != "true" { bad = 1 } END { exit !bad }' "$out/forced.csv"; then
    log "k=$1: a forced tx was consumed without a copy (see forced.csv); S's nonces are off from here"
  fi
}

# A keep-alive HTTP/1.1 connection to each node through bash's /dev/tcp:
# a JSON-RPC call costs no fork (curl and jq cost milliseconds each), so
# the poll below sees a commit within about a millisecond.
http_fds=() tick_fd=""
http_open() { # node
  local host_port="${committee_rpcs[$1]#http://}" fd
  exec {fd}<>"/dev/tcp/${host_port%:*}/${host_port#*:}"
  http_fds[$1]="$fd"
}
http_close() {
  local fd
  for fd in "${http_fds[@]}"; do exec {fd}>&-; done
  http_fds=()
}
http_try() { # node body: sets http_reply; fails if the connection did
  local fd="${http_fds[$1]}" line len="" request
  # One write: a request in two segments waits on Nagle and delayed ACKs
  # (40 ms). Bash's stdout is line buffered, so the body ends with a
  # newline (JSON allows the whitespace) to go out with the headers.
  printf -v request 'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s\n' \
    "$((${#2} + 1))" "$2"
  printf '%s' "$request" 1>&"$fd" 2>/dev/null || return 1
  while IFS= read -r -t 5 -u "$fd" line; do
    line="${line%$'\r'}"
    [ -n "$line" ] || break
    case "${line,,}" in content-length:*) len="${line#*:}" len="${len// /}" ;; esac
  done
  [ -n "$len" ] && IFS= read -r -N "$len" -t 5 -u "$fd" http_reply
}
http_rpc() { # node method params_json: sets http_reply (reconnects once)
  local body="{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$2\",\"params\":$3}" fd="${http_fds[$1]}"
  http_try "$1" "$body" && return 0
  exec {fd}>&-
  http_open "$1"
  http_try "$1" "$body"
}
# Sleeps a millisecond without a fork: a read that times out on a pipe
# nobody writes to.
tick() {
  [ -n "$tick_fd" ] || exec {tick_fd}<> <(:)
  read -r -t 0.001 -u "$tick_fd" _ || true
}

# S's ordinary txs, one at a time, round robin to nodes 0-3 (a pause of
# 0-400 ms before each, so the leader at arrival varies). Each is polled
# every millisecond at the node it went to until committed, or for
# --seconds: then it is reported pending at every node and the round ends
# (later nonces would only queue behind it).
ordinary_round() {
  local k="$1" t node raw hash h_sent t0 t1 h p
  for ((t = 0; t < 4; t++)); do http_open "$t"; done
  for ((t = 0; t < rate; t++)); do
    sleep "$(awk -v t="$t" 'BEGIN { printf "%.3f", (t * 137 % 400) / 1000 }')"
    node=$((t % 4))
    raw="$(censored_tx "$nonce_next")"
    h_sent="$(committee_height "$node")"
    http_rpc "$node" seq_status '[]' # the connection is warm
    printf -v t0 '%s' "${EPOCHREALTIME/./}"
    http_rpc "$node" eth_sendRawTransaction "[\"$raw\"]"
    # The hash without jq: a fork here would add its start-up to the latency.
    hash="${http_reply#*\"result\":\"}" hash="${hash%%\"*}"
    if ! [[ "$hash" =~ ^0x[0-9a-fA-F]{64}$ ]]; then
      log "k=$k: node $node refused S's tx (nonce $nonce_next): $http_reply"
      echo "$k,$t,$nonce_next,$node,refused,,,,," >>"$out/ordinary.csv"
      continue
    fi
    while :; do
      http_rpc "$node" seq_getTransactionStatus "[\"$hash\"]"
      printf -v t1 '%s' "${EPOCHREALTIME/./}"
      [[ "$http_reply" != *'"softConfirmed":{'* ]] || break
      ((t1 - t0 < seconds * 1000000)) || break
      tick
    done
    if [[ "$http_reply" != *'"softConfirmed":{'* ]]; then
      ordinary_pending "$k" "$t" "$node" "$hash" "$h_sent"
      break
    fi
    nonce_next=$((nonce_next + 1))
    h="$(jq -r .result.softConfirmed.height <<<"$http_reply")"
    p="$(proposer_index "$(block_json "$node" "$h" | jq -r .result.proposer)")"
    echo "$k,$t,$((nonce_next - 1)),$node,committed,$(awk -v d="$((t1 - t0))" 'BEGIN { printf "%.1f", d / 1000 }'),$h,$p,$(passed_over "$node" "$h" "$t0")" \
      >>"$out/ordinary.csv"
  done
  http_close
}

# The blocks below height h proposed after t0 (microseconds; the block's
# timestampMs is its proposer's clock, this machine's), which left the tx
# out: "count,their proposers". The first of them may have been cut
# before gossip brought the tx to its proposer (a few ms).
passed_over() { # node h t0
  local tb b count=0 by=""
  for ((tb = $2 - 1; tb > 0; tb--)); do
    b="$(block_json "$1" "$tb" | jq -r '"\(.result.timestampMs) \(.result.proposer)"')"
    ((${b% *} * 1000 >= $3)) || break
    count=$((count + 1))
    by="${by:+$by }$(proposer_index "${b#* }")"
  done
  echo "$count,$by"
}

ordinary_pending() { # k t node hash h_sent
  local statuses="" i between
  for ((i = 0; i < 4; i++)); do
    statuses+="${statuses:+ }$(rpc_call "$i" seq_getTransactionStatus "[\"$4\"]" | jq -r '.result.status // "-"')"
  done
  between=$(($(committee_height "$3") - $5))
  echo "$1,$2,$nonce_next,$3,pending,,,,$between," >>"$out/ordinary.csv"
  log "k=$1: S's tx (nonce $nonce_next, to node $3) pending after $seconds s (statuses at nodes 0-3: $statuses; $between blocks committed meanwhile)"
  echo "$1 $seconds $between $statuses" >>"$out/pending.txt"
}

censorship() {
  [ -x "$cast" ] || { echo "experiment: $cast is missing (deploy/setup.sh installs it)" >&2; exit 1; }
  command -v jq >/dev/null || { echo "experiment: jq is missing (deploy/setup.sh installs it)" >&2; exit 1; }
  if [ -f "$build/CMakeCache.txt" ] && ! grep -q '^SEQ_TEST_MODES:BOOL=ON' "$build/CMakeCache.txt"; then
    echo "experiment censorship: $build is built without the test modes; build the bench preset:" >&2
    echo "  cmake --preset bench && cmake --build --preset bench" >&2
    exit 1
  fi
  window_blocks="${SEQ_WINDOW_BLOCKS:-16}" forced_count="${SEQ_FORCED_TXS:-3}"
  due_blocks=$((window_blocks / 4 > 1 ? window_blocks / 4 : 1)) # node_forced_due_blocks
  censor_addr="$("$cast" wallet address --private-key "$censor_key")"
  local load_before k i start_us
  load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
  start_us="$(usec)"
  echo "k,tx,nonce,node,status,latency_ms,height,proposer,passed_over,their_proposers" >"$out/ordinary.csv"
  echo "k,tx,nonce,index,l1_block_q,due_block,deadline_block,l2_height,proposer,origin,origin_minus_q,soft_s_from_q,soft_s_from_call,posted_l1_block,posted_minus_q,posted_s_from_q,within_window,copied" >"$out/forced.csv"
  : >"$out/pending.txt"
  : >"$out/seqctl.log"
  committee_l1_up "$build" 4 --batch-max-span-ms 1000 --poster-timeout-ms 3000 --confirmations 1 \
    --inclusion-window-blocks "$window_blocks"
  validator_addrs=()
  for ((i = 0; i < 4; i++)); do validator_addrs+=("$(committee_status "$i" | jq -r '.result.validator' | tr 'A-F' 'a-f')"); done
  for k in 0 1 2 3 4; do
    if ((k == 0)); then log "k=0: no node censors S ($censor_addr)"; else log "k=$k: nodes 0..$((k - 1)) censor S"; fi
    ((k == 0)) || censor_restart "$k"
    forced_round "$k"
    ordinary_round "$k"
    forced_report "$k"
    forced_nonces_check "$k"
  done
  censorship_summary "$load_before" "$start_us"
}

censorship_summary() {
  local took_s
  took_s=$((($(usec) - $2) / 1000000))
  # Per k: ordinary sent, committed, p50 and max ms, pending; forced
  # count, largest origin - q, median and max seconds from q to L2, largest
  # posted - q, max seconds from q to L1, all within the window.
  awk -F, -v d="$due_blocks" -v w="$window_blocks" '
    function med(s,   n, a, i, j, v) { n = split(s, a, " "); if (n == 0) return ""
      for (i = 2; i <= n; i++) { v = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > v; j--) a[j + 1] = a[j]; a[j + 1] = v }
      return a[int((n + 1) / 2)] }
    function max(s,   n, a, i, m) { n = split(s, a, " "); m = ""; for (i = 1; i <= n; i++) if (m == "" || a[i] + 0 > m + 0) m = a[i]; return m }
    FNR == 1 { file++; next }
    file == 1 { k = $1; ks[k] = 1; sent[k]++; if ($5 == "committed") { ok[k]++; lat[k] = lat[k] " " $6 } if ($5 == "pending") pend[k]++ }
    file == 2 { k = $1; ks[k] = 1; nf[k]++; org[k] = org[k] " " $11; soft[k] = soft[k] " " $12
                post[k] = post[k] " " $15; posts[k] = posts[k] " " $16; if ($17 != "true") outw[k]++ }
    END {
      print "k,censoring_nodes,ordinary_sent,ordinary_committed,ordinary_p50_ms,ordinary_max_ms,ordinary_pending,forced,forced_origin_minus_q_max,forced_soft_s_p50,forced_soft_s_max,forced_posted_minus_q_max,forced_posted_s_max,forced_outside_window,due_blocks,window_blocks"
      for (k = 0; k <= 4; k++) if (k in ks)
        printf "%d,%d,%d,%d,%s,%s,%d,%d,%s,%s,%s,%s,%s,%d,%d,%d\n", k, k, sent[k], ok[k], med(lat[k]), max(lat[k]), pend[k],
          nf[k], max(org[k]), med(soft[k]), max(soft[k]), max(post[k]), max(posts[k]), outw[k], d, w
    }' "$out/ordinary.csv" "$out/forced.csv" >"$out/censorship.csv"
  local pend_s
  pend_s="$(awk 'NR == 1 { print $2 }' "$out/pending.txt")"
  render censorship 1200,540 <<GP
set datafile separator ','
set datafile missing ''
set multiplot layout 1,2 title 'censorship: k of 4 leaders leave out sender S (L1: anvil, 1 s blocks; window $window_blocks L1 blocks, due at +$due_blocks)'
set grid
set xrange [-0.6:4.6]
set xtics 1
set xlabel 'k censoring nodes (nodes 0..k-1)'
set logscale y
set yrange [0.002:$((window_blocks * 3))]
set ylabel 'seconds'
set key outside below Left reverse
set arrow from graph 0, first $window_blocks to graph 1, first $window_blocks nohead dt 2 lc rgb 'red'
set label 'window: $window_blocks L1 blocks = $window_blocks s' at graph 0.01, first $window_blocks offset 0,0.6 tc rgb 'red'
plot '$out/ordinary.csv' using (strcol(5) eq 'committed' ? \$1 - 0.25 + (int(\$2) % 8) * 0.02 : NaN):(\$6 / 1000) skip 1 with points pt 7 ps 0.7 lc rgb '#1f77b4' title 'ordinary tx: sent to committed', \\
     '' using (strcol(5) eq 'pending' ? \$1 - 0.25 : NaN):(${pend_s:-$seconds}) skip 1 with points pt 9 ps 2 lc rgb '#1f77b4' title 'ordinary tx still pending after ${pend_s:-$seconds} s', \\
     '$out/forced.csv' using (\$1 + \$2 * 0.04):12 skip 1 with points pt 5 ps 0.8 lc rgb '#d62728' title 'forced tx: L1 block q to committed in L2', \\
     '' using (\$1 + \$2 * 0.04):13 skip 1 with points pt 4 ps 0.8 lc rgb '#ff7f0e' title 'forced tx: force-include call to committed', \\
     '' using (\$1 + 0.25 + \$2 * 0.04):16 skip 1 with points pt 13 ps 0.9 lc rgb '#2ca02c' title 'forced tx: L1 block q to posted in a batch'
unset logscale y
unset arrow
unset label
set yrange [-1:$((window_blocks + 3))]
set ytics 2
set ylabel 'L1 blocks after the forced tx was queued (q)'
set arrow from graph 0, first $due_blocks to graph 1, first $due_blocks nohead dt 2 lc rgb 'purple'
set label 'due: q+$due_blocks (a censor includes it from here)' at graph 0.01, first $due_blocks offset 0,0.6 tc rgb 'purple'
set arrow from graph 0, first $window_blocks to graph 1, first $window_blocks nohead dt 2 lc rgb 'red'
set label 'window: q+$window_blocks (the batch must be on L1 by then)' at graph 0.01, first $window_blocks offset 0,0.6 tc rgb 'red'
plot '$out/forced.csv' using (\$1 + \$2 * 0.04):11 skip 1 with points pt 5 ps 0.8 lc rgb '#d62728' title 'L1 origin of the L2 block holding it, - q', \\
     '' using (\$1 + 0.25 + \$2 * 0.04):15 skip 1 with points pt 13 ps 0.9 lc rgb '#2ca02c' title 'L1 block of the batch posting it, - q'
unset multiplot
GP
  {
    echo "censorship, $(date -u +%Y-%m-%dT%H:%MZ), $(machine), load average before: $1; took ${took_s} s"
    echo "command: SEQ_WINDOW_BLOCKS=$window_blocks SEQ_FORCED_TXS=$forced_count tests/bench/experiment.sh censorship --build ${build#"$root"/} --rate $rate --seconds $seconds"
    echo "4 nodes on anvil (1 s blocks), inclusion window $window_blocks L1 blocks (a forced tx queued at L1 block q is due at origin"
    echo "q+$due_blocks), 1 confirmation, batch span 1000 ms, poster timeout 3000 ms. One committee and chain throughout;"
    echo "for each k the nodes restart (SIGTERM) with S = $censor_addr censored by nodes 0..k-1"
    echo "(test mode: as leader they leave S's txs out, forced ones until due). Per k: $forced_count forced txs queued back to"
    echo "back with seqctl force-include, then up to $rate ordinary signed txs one at a time, round robin to nodes 0-3"
    echo "(pending: not committed within $seconds s; the round stops there). The leader's L1 origin trails L1's head by"
    echo "1 confirmation + 2 blocks, so a forced tx reaches L2 about 3 s after q at best, and about q+$due_blocks+3 s under full censorship."
    echo "Forced seconds: from L1 block q's timestamp (whole seconds) to the L2 block's (ms), and from the force-include call"
    echo "(before its L1 tx was mined) to the poll that saw it committed. Ordinary: sent to seen committed (1 ms polls)."
    column -s, -t "$out/censorship.csv"
    if [ -s "$out/pending.txt" ]; then
      awk '{ printf "k=%d: S'"'"'s ordinary tx still pending after %s s (statuses at nodes 0-3: %s %s %s %s); the committee made %d blocks meanwhile\n", $1, $2, $4, $5, $6, $7, $3 }' "$out/pending.txt"
    fi
    awk -F, -v d="$due_blocks" -v w="$window_blocks" 'NR > 1 { n++; copied += $18 == "true"; on_time += $15 != "" && $15 <= w
        if ($1 < 4) { some++; early += $11 < d } else { all++; at_due += $11 == d } }
      END { printf "forced txs: %d, %d copied into L2; k < 4: %d of %d in L2 before due (origin < q+%d); k = 4: %d of %d at origin q+%d (the first block that makes them due); on L1 by q+%d: %d of %d\n",
              n, copied, early, some, d, at_due, all, d, w, on_time, n }' "$out/forced.csv"
    echo "files: ordinary.csv (per ordinary tx), forced.csv (per forced tx), censorship.csv (per k), censorship.svg/png"
  } >"$out/summary.txt"
  cat "$out/summary.txt"
}

# --------------------------------------------------------------- slow-node

slow_node() {
  local delays=(0 20 100 400 1500) phase marks=() t=() missed=() d i
  committee_extra[3]='"test": {"faults": true}'
  committee_up "$build" 4
  bench_start 0 1 2
  phase="$(awk -v s="$seconds" 'BEGIN { print s / 6 }')"
  for d in "${delays[@]}" heal; do
    if [ "$d" = heal ]; then
      "$committee_seqctl" fault --rpc "${committee_rpcs[3]}" --peer all >/dev/null
    elif [ "$d" != 0 ]; then
      "$committee_seqctl" fault --rpc "${committee_rpcs[3]}" --peer all --delay-ms "$d" >/dev/null
    fi
    t+=("$(now_us)")
    missed+=("$(slots_missed 0 3)")
    sleep "$phase"
  done
  wait "$bench_pid"
  missed+=("$(slots_missed 0 3)")
  timeline
  local s=() labels=(none "+20 ms" "+100 ms" "+400 ms" "+1500 ms" healed)
  for i in "${!t[@]}"; do s+=("$(since_start "${t[$i]}")"); done
  s+=("$seconds")
  for ((i = 1; i < ${#labels[@]}; i++)); do marks+=("${s[$i]}" "node 3 ${labels[$i]}"); done
  plot_timeline "slow node: node 3 of 4 delays all it sends, $rate tx/s to nodes 0-2" "${marks[@]}"
  echo "phase,node3_send_delay_ms,from_s,to_s,ordered_tx_per_s,p50_ms,p99_ms,node3_views_skipped" >"$out/phases.csv"
  for ((i = 0; i < ${#labels[@]}; i++)); do
    local l from="${s[$i]}" to="${s[$((i + 1))]}"
    [ "$i" -gt 0 ] || from=1
    l="$(latency_between "$from" "$to")"
    echo "$i,${delays[$i]:-0},$from,$to,$(rate_between "$from" "$to"),${l% *},${l#* },$((${missed[$((i + 1))]:-0} - ${missed[$i]:-0}))" >>"$out/phases.csv"
  done
  {
    echo "slow-node, $(date -u +%Y-%m-%dT%H:%MZ), $(machine)"
    echo "command: tests/bench/experiment.sh slow-node --rate $rate --seconds $seconds"
    echo "4 nodes (view timeout base 1000 ms), opaque 256-byte txs at $rate tx/s to nodes 0-2;"
    echo "node 3's transport holds every message it sends for the delay of the phase (seqctl fault)"
    column -s, -t "$out/phases.csv"
    echo "seqbench: $(cat "$out/seqbench.json")"
  } >"$out/summary.txt"
  cat "$out/summary.txt"
}

# ------------------------------------------------------------ message-loss

message_loss() {
  local loss="${SEQ_LOSS_PERCENT:-20}" ppm third t1 t2 s1 s2 i
  ppm=$((loss * 10000))
  for i in 0 1 2 3; do committee_extra[i]='"test": {"faults": true}'; done
  committee_up "$build" 4
  bench_start 0
  third="$(awk -v s="$seconds" 'BEGIN { print s / 3 }')"
  sleep "$third"
  "$committee_seqctl" fault --rpc "${committee_rpcs[1]}" --peer all --drop-ppm "$ppm" >/dev/null
  for i in 0 2 3; do
    "$committee_seqctl" fault --rpc "${committee_rpcs[$i]}" --peer 1 --drop-ppm "$ppm" >/dev/null
  done
  t1="$(now_us)"
  sleep "$third"
  for i in 0 1 2 3; do "$committee_seqctl" fault --rpc "${committee_rpcs[$i]}" --peer all >/dev/null; done
  t2="$(now_us)"
  wait "$bench_pid"
  timeline
  s1="$(since_start "$t1")" s2="$(since_start "$t2")"
  plot_timeline "message loss: node 1 of 4 loses $loss% of its messages each way, $rate tx/s to node 0" \
    "$s1" "node 1 lossy" "$s2" "loss cleared"
  {
    echo "message-loss, $(date -u +%Y-%m-%dT%H:%MZ), $(machine)"
    echo "command: SEQ_LOSS_PERCENT=$loss tests/bench/experiment.sh message-loss --rate $rate --seconds $seconds"
    echo "4 nodes on loopback; the fault layer drops $loss% of the messages node 1 sends and of those sent to it"
    phase_line before 1 "$s1"
    phase_line lossy "$s1" "$s2"
    phase_line after "$s2" "$seconds"
    echo "seqbench: $(cat "$out/seqbench.json")"
  } >"$out/summary.txt"
  cat "$out/summary.txt"
}

case "$name" in
  message-loss) message_loss ;;
  slow-node) slow_node ;;
  partitions) partitions ;;
  lossy) lossy ;;
  ordering-bias) ordering_bias ;;
  leader-crash) leader_crash ;;
  f-crashed) f_crashed ;;
  scaling) scaling ;;
  load) load ;;
  censorship) censorship ;;
esac
log "results in $out (summary.txt, *.csv, *.svg, *.png)"
