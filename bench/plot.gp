# bench/plot.gp: lookup rate and memory per route against table size, from
# the data files bench/report.py writes.
#   gnuplot -e "dir='RESULTS'; out='docs/performance.png'" bench/plot.gp
set terminal pngcairo size 1200,900 font ",10" noenhanced
set output out
set datafile missing "-"
set logscale x
set logscale y
set key bottom left opaque box
set grid
set multiplot layout 2,2 title "routewatch vs peers, same run, random addresses (synthetic 1k, 10k, 100k; last point: the real table)"
titles4 = "routewatch rte_lpm ndpi scan"
titles6 = "routewatch rte_lpm6 ndpi scan"
set xlabel "routes in the table"
set ylabel "million lookups/s"
set title "IPv4 lookups"
plot for [i=2:5] dir."/lookup4.dat" using 1:i with linespoints lw 2 title word(titles4, i-1)
set title "IPv6 lookups"
plot for [i=2:5] dir."/lookup6.dat" using 1:i with linespoints lw 2 title word(titles6, i-1)
set ylabel "bytes per route (RSS growth)"
set title "IPv4 memory per route"
plot for [i=2:5] dir."/memory4.dat" using 1:i with linespoints lw 2 title word(titles4, i-1)
set title "IPv6 memory per route"
plot for [i=2:5] dir."/memory6.dat" using 1:i with linespoints lw 2 title word(titles6, i-1)
unset multiplot
