#!/bin/bash
# Draws docs/perf/*.png from the benchmark JSON in docs/perf (written by scripts/bench-all.sh):
#   latency-cdf.png      send→recipient latency distribution per offered rate, ours vs the peer
#   eventloop-ping.png   ping p50/p99 against idle connection count, Qt's loop vs epoll
#   eventloop-cost.png   idle CPU and RSS per connection against connection count
#   throughput.png       acked msg/s and server CPU per 1k messages, ours vs the peer
# Needs gnuplot (gnuplot-nox) and node (already needed by the peer) to read the JSON.
#   scripts/plot-perf.sh [DIR]
set -euo pipefail
DIR=$(cd "${1:-$(dirname "$0")/../docs/perf}" && pwd)
cd "$DIR"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# JSON → whitespace-separated .dat files for gnuplot.
node - "$DIR" "$TMP" <<'JS'
const fs = require('fs'), path = require('path');
const [dir, tmp] = process.argv.slice(2);
const read = (f) => { try { return JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')); } catch (e) { return null; } };
const lat = read('latency.json');
if (lat) for (const side of ['ours', 'peer']) for (const r of (lat[side] && lat[side].rates) || []) {
  const cdf = (r.delivery_latency && r.delivery_latency.cdf) || [];
  fs.writeFileSync(path.join(tmp, `lat-${side}-${r.offered_per_s}.dat`), cdf.map(([p, ms]) => `${p} ${Math.max(ms, 0.001)}`).join('\n') + '\n');
}
for (const loop of ['qt', 'epoll']) {
  const rows = [];
  for (const f of fs.readdirSync(dir).filter((f) => f.startsWith(`eventloop-${loop}-`) && f.endsWith('.json'))) {
    const d = read(f);
    // A run that could not open all K connections is not a point at K (see its JSON).
    if (!d || !d.at_k || !d.at_k.ping || d.error || d.at_k.failed > 0) continue;
    if (rows.length === 0 || !rows.some((r) => r[0] === d.at_probe.connections))
      rows.push([d.at_probe.connections, d.at_probe.ping.p50_ms, d.at_probe.ping.p99_ms, d.at_probe.server_idle_cpu_util, '']);
    rows.push([d.at_k.connections, d.at_k.ping.p50_ms, d.at_k.ping.p99_ms, d.at_k.server_idle_cpu_util, d.at_k.server_rss_per_connection_kb]);
  }
  rows.sort((a, b) => a[0] - b[0]);
  const seen = new Set();
  const uniq = rows.filter((r) => (seen.has(r[0]) ? false : seen.add(r[0])));
  fs.writeFileSync(path.join(tmp, `loop-${loop}.dat`), uniq.map((r) => r.map((v) => (v === '' || v === undefined ? '?' : v)).join(' ')).join('\n') + '\n');
}
const tp = read('throughput.json');
if (tp && tp.ours && tp.peer)
  fs.writeFileSync(path.join(tmp, 'throughput.dat'),
    `ours ${tp.ours.acked_per_s} ${tp.ours.server_cpu_s_per_1k_msgs}\npeer ${tp.peer.acked_per_s} ${tp.peer.server_cpu_s_per_1k_msgs}\n`);
JS

common='set terminal pngcairo size 900,560 font "DejaVu Sans,11"; set grid; set key top left'
if ls "$TMP"/lat-ours-*.dat > /dev/null 2>&1; then
    # One colour per offered rate; ours solid, the peer dashed.
    plots="" colour=0
    for rate in $(ls "$TMP"/lat-ours-*.dat | sed 's/.*-\([0-9]*\)\.dat/\1/' | sort -n); do
        colour=$((colour + 1))
        for side in ours peer; do
            f="$TMP/lat-$side-$rate.dat"
            [ -f "$f" ] || continue
            dash=1; [ "$side" = peer ] && dash=2
            plots="$plots${plots:+, }'$f' using 1:2 with linespoints lc $colour dt $dash lw 2 title '$side @ $rate msg/s'"
        done
    done
    gnuplot -e "$common; set key bottom right; set output 'latency-cdf.png'; set title 'send → recipient latency by percentile (loopback, 2 shared cores)'; set xlabel 'percentile'; set ylabel 'ms (log)'; set logscale y; set xrange [0:100]; plot $plots"
fi
if [ -s "$TMP/loop-qt.dat" ] || [ -s "$TMP/loop-epoll.dat" ]; then
    gnuplot -e "$common; set output 'eventloop-ping.png'; set title 'ping round trip on 100 probe connections vs idle connections held (bench-echo-server)'; set xlabel 'connections'; set ylabel 'ms (log)'; set logscale y; plot '$TMP/loop-qt.dat' using 1:2 with linespoints lw 2 title 'Qt loop p50', '$TMP/loop-qt.dat' using 1:3 with linespoints dt 2 lw 2 title 'Qt loop p99', '$TMP/loop-epoll.dat' using 1:2 with linespoints lw 2 title 'epoll p50', '$TMP/loop-epoll.dat' using 1:3 with linespoints dt 2 lw 2 title 'epoll p99'"
    gnuplot -e "$common; set output 'eventloop-cost.png'; set title 'idle cost vs connections held (bench-echo-server)'; set xlabel 'connections'; set ylabel 'idle CPU (cores)'; set y2label 'RSS per connection (KB)'; set y2tics; set ytics nomirror; plot '$TMP/loop-qt.dat' using 1:4 with linespoints lw 2 title 'Qt loop idle CPU', '$TMP/loop-epoll.dat' using 1:4 with linespoints lw 2 title 'epoll idle CPU', '$TMP/loop-qt.dat' using 1:5 axes x1y2 with linespoints dt 2 lw 2 title 'Qt loop RSS/conn', '$TMP/loop-epoll.dat' using 1:5 axes x1y2 with linespoints dt 2 lw 2 title 'epoll RSS/conn'"
fi
if [ -s "$TMP/throughput.dat" ]; then
    gnuplot -e "$common; set output 'throughput.png'; set style data histograms; set style fill solid 0.6; set boxwidth 0.8; set yrange [0:*]; set multiplot layout 1,2 title 'durable 1:1 throughput, same run (16 senders × 64 in flight)'; set title 'acked msg/s'; plot '$TMP/throughput.dat' using 2:xtic(1) notitle; set title 'server CPU-seconds per 1000 messages'; plot '$TMP/throughput.dat' using 3:xtic(1) notitle; unset multiplot"
fi
ls -1 "$DIR"/*.png 2>/dev/null || echo "no plots drawn (no benchmark JSON in $DIR)"
