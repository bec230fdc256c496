# grain (tree): efficiency against task duration, 2 workers
# Written by wsreport from ../results.csv; data in grain_eff_tree_w2.dat.
# Redraw in this directory with: gnuplot grain_eff_tree_w2.gp
set terminal svg size 900,540 dynamic noenhanced font 'sans-serif,14' background rgb 'white'
set encoding utf8
set output 'grain_eff_tree_w2.svg'
set title 'grain (tree): efficiency against task duration, 2 workers'
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
set yrange [0:1.84]
set arrow from graph 0, first 0.5 to graph 1, first 0.5 nohead dt 2 lc rgb '#808080'
plot 'grain_eff_tree_w2.dat' index 0 using 1:2 with linespoints lw 2.5 pt 5 ps 1.4 lc rgb '#e69f00' title 'threadpool', \
     'grain_eff_tree_w2.dat' index 1 using 1:2 with linespoints lw 2.5 pt 9 ps 1.4 lc rgb '#cc79a7' title 'procpool', \
     'grain_eff_tree_w2.dat' index 2 using 1:2 with linespoints lw 2.5 pt 13 ps 1.4 lc rgb '#0072b2' title 'stealing', \
     'grain_eff_tree_w2.dat' index 3 using 1:2 with linespoints lw 2.5 pt 11 ps 1.4 lc rgb '#d55e00' title 'openmp', \
     'grain_eff_tree_w2.dat' index 4 using 1:2 with linespoints lw 2.5 pt 15 ps 1.4 lc rgb '#009e73' title 'tbb', \
     'grain_eff_tree_w2.dat' index 5 using 1:2 with linespoints lw 2.5 pt 8 ps 1.4 lc rgb '#882255' title 'eventloop-cores'
