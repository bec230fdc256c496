# Open loop (wsopen): p50 latency against offered load, work 2000 us, fanout 2
# Written by wsreport from ../results.csv; data in latency_p50_w2000_f2.dat.
# Redraw in this directory with: gnuplot latency_p50_w2000_f2.gp
set terminal svg size 900,540 dynamic noenhanced font 'sans-serif,14' background rgb 'white'
set encoding utf8
set output 'latency_p50_w2000_f2.svg'
set title 'Open loop (wsopen): p50 latency against offered load, work 2000 us, fanout 2'
set xlabel 'offered rate (requests per second)'
set ylabel 'p50 latency from the due time (log scale)'
set title font 'sans-serif,16'
set border 3
set tics nomirror
set grid ytics lc rgb '#d9d9d9' dt 3
set key outside right top spacing 1.3
set xrange [0:554.923]
set format x '%.0s %c'
set logscale y 10
set yrange [0.001:1]
set format y '%.0s %cs'
plot 'latency_p50_w2000_f2.dat' index 0 using 1:2 with linespoints lw 2.5 pt 11 ps 1.4 lc rgb '#d55e00' title 'thread-per-conn', \
     'latency_p50_w2000_f2.dat' index 1 using 1:2 with linespoints lw 2.5 pt 5 ps 1.4 lc rgb '#e69f00' title 'threadpool', \
     'latency_p50_w2000_f2.dat' index 2 using 1:2 with linespoints lw 2.5 pt 9 ps 1.4 lc rgb '#cc79a7' title 'prefork', \
     'latency_p50_w2000_f2.dat' index 3 using 1:2 with linespoints lw 2.5 pt 6 ps 1.4 lc rgb '#999933' title 'eventloop', \
     'latency_p50_w2000_f2.dat' index 4 using 1:2 with linespoints lw 2.5 pt 8 ps 1.4 lc rgb '#882255' title 'eventloop-cores', \
     'latency_p50_w2000_f2.dat' index 5 using 1:2 with linespoints lw 2.5 pt 13 ps 1.4 lc rgb '#0072b2' title 'wsched'
