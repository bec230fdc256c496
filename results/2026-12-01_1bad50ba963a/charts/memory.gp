# Resident memory per outstanding task (log scale)
# Written by wsreport from ../results.csv; data in memory.dat.
# Redraw in this directory with: gnuplot memory.gp
set terminal svg size 1000,540 dynamic noenhanced font 'sans-serif,14' background rgb 'white'
set encoding utf8
set output 'memory.svg'
set title 'Resident memory per outstanding task (log scale)'
set xlabel ''
set ylabel 'bytes'
set title font 'sans-serif,16'
set border 3
set tics nomirror
set grid ytics lc rgb '#d9d9d9' dt 3
set key outside right top spacing 1.3
set xtics ('threadpool' 0, 'procpool' 1, 'stealing' 2, 'stealing-async' 3, 'openmp' 4, 'tbb' 5, 'eventloop' 6, 'eventloop-cores' 7, 'eventloop-offload' 8) rotate by -30
set xrange [-0.7:8.7]
unset key
set logscale y 10
set yrange [100:100000]
set format y '%.0s %cB'
plot 'memory.dat' using 1:2:3:4:5:6 with boxxyerror fs solid 0.9 noborder lc rgb '#0072b2'
