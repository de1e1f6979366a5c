# Ping-pong latency distributions per peer, one panel for two threads and
# one for two processes: the share of round trips in each log-scale bucket
# (20 per decade), all rounds together. bench/run-bench calls it as
#
#   gnuplot -e "datadir='build/bench/plot'; out='build/bench/pingpong-latency.png'" \
#           -e "threads_peers='sabuf futex ...'; procs_peers='sabuf futex pthread'" \
#           -e "threads_range='LO HI'; procs_range='LO HI'" bench/pingpong.gp
#
# Data files: DATADIR/pingpong_MODE-PEER.dat, written by report.c, with the
# columns bucket_low_us bucket_high_us share_percent cumulative_percent;
# the x ranges (us) come from DATADIR/pingpong_MODE.range.

if (!exists("datadir")) datadir = "build/bench/plot"
if (!exists("out")) out = "build/bench/pingpong-latency.png"
if (!exists("threads_peers")) threads_peers = "sabuf futex futex_private pthread node"
if (!exists("procs_peers")) procs_peers = "sabuf futex pthread"
if (!exists("subtitle")) subtitle = ""
if (!exists("threads_range")) threads_range = "1 100000"
if (!exists("procs_range")) procs_range = "1 100000"

label(p) = p eq "sabuf" ? "libsabuf wait/notify" : \
           p eq "futex" ? "futex on memfd (shared)" : \
           p eq "futex_private" ? "futex, FUTEX_PRIVATE_FLAG" : \
           p eq "pthread" ? "pthread mutex+cond (pshared)" : \
           p eq "node" ? "Node.js Atomics.wait/notify" : p
color(p) = p eq "sabuf" ? "#d62728" : p eq "futex" ? "#1f77b4" : \
           p eq "futex_private" ? "#17becf" : p eq "pthread" ? "#2ca02c" : "#ff7f0e"
file(mode, p) = sprintf("%s/pingpong_%s-%s.dat", datadir, mode, p)

set terminal pngcairo size 1100,900 font ",10" noenhanced
set output out
set multiplot layout 2,1 title "Ping-pong wake round trip: latency distribution per peer".subtitle
set logscale x
set xlabel "round trip (us, log scale)"
set ylabel "share of round trips (% per 1/20 decade)"
set grid xtics mxtics ytics
set key top right
set format x "%g"

set title "two threads"
set xrange [word(threads_range, 1) + 0 : word(threads_range, 2) + 0]
plot for [p in threads_peers] file("threads", p) using 1:3 with steps lw 2 lc rgb color(p) title label(p)

set title "two processes"
set xrange [word(procs_range, 1) + 0 : word(procs_range, 2) + 0]
plot for [p in procs_peers] file("procs", p) using 1:3 with steps lw 2 lc rgb color(p) title label(p)

unset multiplot
