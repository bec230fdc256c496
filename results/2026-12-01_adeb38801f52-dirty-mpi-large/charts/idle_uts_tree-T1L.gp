# uts (tree:T1L): idle fraction of each rank
# Written by wsreport from ../results.csv; data in idle_uts_tree-T1L.dat.
# Redraw in this directory with: gnuplot idle_uts_tree-T1L.gp
set terminal svg size 1000,540 dynamic noenhanced font 'sans-serif,14' background rgb 'white'
set encoding utf8
set output 'idle_uts_tree-T1L.svg'
set title 'uts (tree:T1L): idle fraction of each rank'
set xlabel 'configuration (executor ranks x workers)'
set ylabel 'idle fraction (thread-time without an item)'
set title font 'sans-serif,16'
set border 3
set tics nomirror
set grid ytics lc rgb '#d9d9d9' dt 3
set key outside right top spacing 1.3
set xtics ('mpi 2x1' 0, 'mpi+stealing 2x1' 1, 'mpi+stealing 1x2' 2, 'mpi-static 2x1' 3, 'mpi-static 1x2' 4) rotate by -30
set xrange [-0.6:5]
set yrange [0:1]
unset key
plot 'idle_uts_tree-T1L.dat' using 1:2:3:4:5:6 with boxxyerror fs solid 0.85 noborder lc rgb '#0072b2'
