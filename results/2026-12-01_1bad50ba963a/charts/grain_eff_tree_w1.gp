# grain (tree): efficiency against task duration, 1 worker
# Written by wsreport from ../results.csv; data in grain_eff_tree_w1.dat.
# Redraw in this directory with: gnuplot grain_eff_tree_w1.gp
set terminal svg size 900,540 dynamic noenhanced font 'sans-serif,14' background rgb 'white'
set encoding utf8
set output 'grain_eff_tree_w1.svg'
set title 'grain (tree): efficiency against task duration, 1 worker'
set xlabel 'task duration (log scale)'
set ylabel 'efficiency'
set title font 'sans-serif,16'
set border 3
set tics nomirror
set grid ytics lc rgb '#d9d9d9' dt 3
set key outside right top spacing 1.3
set logscale x
set xrange [10:1e+07]
set xtics ('10.0 ns' 10, '100 ns' 100, '1.00 us' 1000, '10.0 us' 10000, '100 us' 100000, '1.00 ms' 1e+06, '10.0 ms' 1e+07)
set yrange [0:1.96]
set arrow from graph 0, first 0.5 to graph 1, first 0.5 nohead dt 2 lc rgb '#808080'
plot 'grain_eff_tree_w1.dat' index 0 using 1:2 with linespoints lw 2.5 pt 6 ps 1.4 lc rgb '#999933' title 'eventloop'
