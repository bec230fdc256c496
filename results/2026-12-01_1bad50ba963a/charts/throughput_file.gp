# file: throughput against concurrency
# Written by wsreport from ../results.csv; data in throughput_file.dat.
# Redraw in this directory with: gnuplot throughput_file.gp
set terminal svg size 900,540 dynamic noenhanced font 'sans-serif,14' background rgb 'white'
set encoding utf8
set output 'throughput_file.svg'
set title 'file: throughput against concurrency'
set xlabel 'workers (threads or processes, log2 scale)'
set ylabel 'throughput (tasks/s)'
set title font 'sans-serif,16'
set border 3
set tics nomirror
set grid ytics lc rgb '#d9d9d9' dt 3
set key outside right top spacing 1.3
set logscale x 2
set xtics (1, 2, 8, 16, 64, 256)
set xrange [0.714286:358.4]
set yrange [0:29813.3]
set format y '%.3s %c'
plot 'throughput_file.dat' index 0 using 1:2 with linespoints lw 2.5 pt 7 ps 1.4 lc rgb '#4d4d4d' title 'serial', \
     'throughput_file.dat' index 1 using 1:2 with linespoints lw 2.5 pt 5 ps 1.4 lc rgb '#e69f00' title 'threadpool', \
     'throughput_file.dat' index 2 using 1:2 with linespoints lw 2.5 pt 9 ps 1.4 lc rgb '#cc79a7' title 'procpool', \
     'throughput_file.dat' index 3 using 1:2 with linespoints lw 2.5 pt 13 ps 1.4 lc rgb '#0072b2' title 'stealing', \
     'throughput_file.dat' index 4 using 1:2 with linespoints lw 2.5 pt 11 ps 1.4 lc rgb '#d55e00' title 'openmp', \
     'throughput_file.dat' index 5 using 1:2 with linespoints lw 2.5 pt 15 ps 1.4 lc rgb '#009e73' title 'tbb', \
     'throughput_file.dat' index 6 using 1:2 with linespoints lw 2.5 pt 6 ps 1.4 lc rgb '#999933' title 'eventloop', \
     'throughput_file.dat' index 7 using 1:2 with linespoints lw 2.5 pt 8 ps 1.4 lc rgb '#882255' title 'eventloop-cores', \
     'throughput_file.dat' index 8 using 1:2 with linespoints lw 2.5 pt 4 ps 1.4 lc rgb '#56b4e9' title 'stealing-async'
