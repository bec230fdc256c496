# Throughput against connections (wrk): work 0 us
# Written by wsreport from ../results.csv; data in throughput_w0.dat.
# Redraw in this directory with: gnuplot throughput_w0.gp
set terminal svg size 900,540 dynamic noenhanced font 'sans-serif,14' background rgb 'white'
set encoding utf8
set output 'throughput_w0.svg'
set title 'Throughput against connections (wrk): work 0 us'
set xlabel 'connections (log scale)'
set ylabel 'replies per second'
set title font 'sans-serif,16'
set border 3
set tics nomirror
set grid ytics lc rgb '#d9d9d9' dt 3
set key outside right top spacing 1.3
set logscale x 10
set xtics (1, 16, 64, 256, 1024, 10000)
set xrange [0.625:16000]
set yrange [0:201255]
set format y '%.3s %c'
plot 'throughput_w0.dat' index 0 using 1:2 with linespoints lw 2.5 pt 11 ps 1.4 lc rgb '#d55e00' title 'thread-per-conn', \
     'throughput_w0.dat' index 1 using 1:2 with linespoints lw 2.5 pt 5 ps 1.4 lc rgb '#e69f00' title 'threadpool', \
     'throughput_w0.dat' index 2 using 1:2 with linespoints lw 2.5 pt 9 ps 1.4 lc rgb '#cc79a7' title 'prefork', \
     'throughput_w0.dat' index 3 using 1:2 with linespoints lw 2.5 pt 6 ps 1.4 lc rgb '#999933' title 'eventloop', \
     'throughput_w0.dat' index 4 using 1:2 with linespoints lw 2.5 pt 8 ps 1.4 lc rgb '#882255' title 'eventloop-cores', \
     'throughput_w0.dat' index 5 using 1:2 with linespoints lw 2.5 pt 13 ps 1.4 lc rgb '#0072b2' title 'wsched'
