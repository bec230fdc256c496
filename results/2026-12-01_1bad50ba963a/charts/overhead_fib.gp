# fib: wall time per task with one worker
# Written by wsreport from ../results.csv; data in overhead_fib.dat.
# Redraw in this directory with: gnuplot overhead_fib.gp
set terminal svg size 900,540 dynamic noenhanced font 'sans-serif,14' background rgb 'white'
set encoding utf8
set output 'overhead_fib.svg'
set title 'fib: wall time per task with one worker'
set xlabel 'executor'
set ylabel 'time per task (log scale)'
set title font 'sans-serif,16'
set border 3
set tics nomirror
set grid ytics lc rgb '#d9d9d9' dt 3
set key outside right top spacing 1.3
set xtics ('serial' 0, 'threadpool' 1, 'procpool' 2, 'stealing' 3, 'openmp' 4, 'tbb' 5, 'eventloop' 6, 'eventloop-cores' 7) scale 0
set xrange [-0.7:7.7]
set logscale y 10
set yrange [1e-09:0.001]
set format y '%.0s %cs'
plot 'overhead_fib.dat' index 0 using 1:2:3:4:5:6 with boxxyerror fs solid 0.9 noborder lc rgb '#4d4d4d' title 'serial', \
     'overhead_fib.dat' index 1 using 1:2:3:4:5:6 with boxxyerror fs solid 0.9 noborder lc rgb '#e69f00' title 'threadpool', \
     'overhead_fib.dat' index 2 using 1:2:3:4:5:6 with boxxyerror fs solid 0.9 noborder lc rgb '#cc79a7' title 'procpool', \
     'overhead_fib.dat' index 3 using 1:2:3:4:5:6 with boxxyerror fs solid 0.9 noborder lc rgb '#0072b2' title 'stealing', \
     'overhead_fib.dat' index 4 using 1:2:3:4:5:6 with boxxyerror fs solid 0.9 noborder lc rgb '#d55e00' title 'openmp', \
     'overhead_fib.dat' index 5 using 1:2:3:4:5:6 with boxxyerror fs solid 0.9 noborder lc rgb '#009e73' title 'tbb', \
     'overhead_fib.dat' index 6 using 1:2:3:4:5:6 with boxxyerror fs solid 0.9 noborder lc rgb '#999933' title 'eventloop', \
     'overhead_fib.dat' index 7 using 1:2:3:4:5:6 with boxxyerror fs solid 0.9 noborder lc rgb '#882255' title 'eventloop-cores', \
     'overhead_fib.dat' index 0:7 using 1:6:7 with labels offset 0,0.8 notitle
