# uts (tree:T3L): bytes sent between ranks
# Written by wsreport from ../results.csv; data in bytes_uts_tree-T3L.dat.
# Redraw in this directory with: gnuplot bytes_uts_tree-T3L.gp
set terminal svg size 1000,540 dynamic noenhanced font 'sans-serif,14' background rgb 'white'
set encoding utf8
set output 'bytes_uts_tree-T3L.svg'
set title 'uts (tree:T3L): bytes sent between ranks'
set xlabel 'configuration (executor ranks x workers)'
set ylabel 'bytes sent, all ranks'
set title font 'sans-serif,16'
set border 3
set tics nomirror
set grid ytics lc rgb '#d9d9d9' dt 3
set key outside right top spacing 1.3
set xtics ('mpi 2x1' 0, 'mpi+stealing 2x1' 1, 'mpi+stealing 1x2' 2, 'mpi-static 2x1' 3, 'mpi-static 1x2' 4) rotate by -30
set xrange [-0.6:5]
set yrange [0:667773]
set format y '%.0s %cB'
unset key
plot 'bytes_uts_tree-T3L.dat' using 1:2:3:4:5:6 with boxxyerror fs solid 0.85 noborder lc rgb '#cc79a7'
