# uts (tree:T3L): speedup over the serial twin
# Written by wsreport from ../results.csv; data in scaling_uts_tree-T3L.dat.
# Redraw in this directory with: gnuplot scaling_uts_tree-T3L.gp
set terminal svg size 900,540 dynamic noenhanced font 'sans-serif,14' background rgb 'white'
set encoding utf8
set output 'scaling_uts_tree-T3L.svg'
set title 'uts (tree:T3L): speedup over the serial twin'
set xlabel 'ranks x workers (threads)'
set ylabel 'speedup over serial'
set title font 'sans-serif,16'
set border 3
set tics nomirror
set grid ytics lc rgb '#d9d9d9' dt 3
set key outside right top spacing 1.3
set logscale x 2
set xrange [0.8:3]
set yrange [0:*]
set arrow from 2, graph 0 to 2, graph 1 nohead dt 2 lc rgb '#aa0000'
set label 'cores: beyond, oversubscribed' at 2, graph 0.95 offset 0.5,0 tc rgb '#aa0000'
plot 'scaling_uts_tree-T3L.dat' index 0 using 1:2 with linespoints lw 2.5 pt 7 ps 1.4 lc rgb '#d55e00' title 'mpi, 1 worker/rank', \
     'scaling_uts_tree-T3L.dat' index 1 using 1:2 with linespoints lw 2.5 pt 5 ps 1.4 lc rgb '#0072b2' title 'mpi+stealing, 1 worker/rank', \
     'scaling_uts_tree-T3L.dat' index 2 using 1:2 with linespoints lw 2.5 pt 13 ps 1.4 lc rgb '#56b4e9' title 'mpi+stealing, 2 workers/rank', \
     'scaling_uts_tree-T3L.dat' index 3 using 1:2 with linespoints lw 2.5 pt 9 ps 1.4 lc rgb '#4d4d4d' title 'mpi-static, 1 worker/rank', \
     'scaling_uts_tree-T3L.dat' index 4 using 1:2 with linespoints lw 2.5 pt 11 ps 1.4 lc rgb '#999999' title 'mpi-static, 2 workers/rank'
