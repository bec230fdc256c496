# pipe: latency per task at 16 workers
# Written by wsreport from ../results.csv; data in latency_pipe.dat.
# Redraw in this directory with: gnuplot latency_pipe.gp
set terminal svg size 900,540 dynamic noenhanced font 'sans-serif,14' background rgb 'white'
set encoding utf8
set output 'latency_pipe.svg'
set title 'pipe: latency per task at 16 workers'
set xlabel 'percentile'
set ylabel 'latency, submit to done (log scale)'
set title font 'sans-serif,16'
set border 3
set tics nomirror
set grid ytics lc rgb '#d9d9d9' dt 3
set key outside right top spacing 1.3
set xtics ('p50' 0, 'p90' 1, 'p99' 2, 'p99.9' 3) scale 0
set xrange [-0.6:3.6]
set logscale y 10
set yrange [0.01:0.1]
set format y '%.0s %cs'
set ytics (0.01, 0.02, 0.05, 0.1)
plot 'latency_pipe.dat' index 0 using 1:2:3:4:5:6 with boxxyerror fs solid 0.9 noborder lc rgb '#e69f00' title 'threadpool', \
     'latency_pipe.dat' index 1 using 1:2:3:4:5:6 with boxxyerror fs solid 0.9 noborder lc rgb '#cc79a7' title 'procpool'
