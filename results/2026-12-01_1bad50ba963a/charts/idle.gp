# CPU burned while idle (share of one core, log scale)
# Written by wsreport from ../results.csv; data in idle.dat.
# Redraw in this directory with: gnuplot idle.gp
set terminal svg size 1000,540 dynamic noenhanced font 'sans-serif,14' background rgb 'white'
set encoding utf8
set output 'idle.svg'
set title 'CPU burned while idle (share of one core, log scale)'
set xlabel ''
set ylabel 'CPU time / wall time'
set title font 'sans-serif,16'
set border 3
set tics nomirror
set grid ytics lc rgb '#d9d9d9' dt 3
set key outside right top spacing 1.3
set xtics ('threadpool' 0, 'procpool' 1, 'stealing' 2, 'stealing-async' 3, 'openmp' 4, 'tbb' 5, 'eventloop' 6, 'eventloop-cores' 7, 'eventloop-offload' 8) rotate by -30
set xrange [-0.7:8.7]
set logscale y
set yrange [1e-06:0.01]
set format y '%g'
set arrow from graph 0, first 0.01 to graph 1, first 0.01 nohead dt 2 lc rgb '#808080'
plot 'idle.dat' index 0 using 1:2:3:4:5:6 with boxxyerror fs solid 0.9 noborder lc rgb '#d55e00' title 'the 2 s after a burst', \
     'idle.dat' index 1 using 1:2:3:4:5:6 with boxxyerror fs solid 0.9 noborder lc rgb '#0072b2' title 'the 2 s after those'
