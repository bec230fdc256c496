# grain (tree): METG(50%) against workers
# Written by wsreport from ../results.csv; data in grain_metg_tree.dat.
# Redraw in this directory with: gnuplot grain_metg_tree.gp
set terminal svg size 900,540 dynamic noenhanced font 'sans-serif,14' background rgb 'white'
set encoding utf8
set output 'grain_metg_tree.svg'
set title 'grain (tree): METG(50%) against workers'
set xlabel 'workers'
set ylabel 'METG(50%) (log scale)'
set title font 'sans-serif,16'
set border 3
set tics nomirror
set grid ytics lc rgb '#d9d9d9' dt 3
set key outside right top spacing 1.3
set logscale x 2
set xrange [0.769231:2.6]
set xtics (1, 2)
set logscale y 10
set yrange [1e-08:1e-06]
set format y '%.0s %cs'
set ytics (1e-08, 2e-08, 5e-08, 1e-07, 2e-07, 5e-07, 1e-06)
plot 'grain_metg_tree.dat' index 0 using 1:2 with linespoints lw 2.5 pt 11 ps 1.4 lc rgb '#d55e00' title 'openmp', \
     'grain_metg_tree.dat' index 1 using 1:2 with linespoints lw 2.5 pt 15 ps 1.4 lc rgb '#009e73' title 'tbb'
