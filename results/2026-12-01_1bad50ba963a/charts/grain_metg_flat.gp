# grain (flat): METG(50%) against workers
# Written by wsreport from ../results.csv; data in grain_metg_flat.dat.
# Redraw in this directory with: gnuplot grain_metg_flat.gp
set terminal svg size 900,540 dynamic noenhanced font 'sans-serif,14' background rgb 'white'
set encoding utf8
set output 'grain_metg_flat.svg'
set title 'grain (flat): METG(50%) against workers'
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
set yrange [1e-08:0.0001]
set format y '%.0s %cs'
plot 'grain_metg_flat.dat' index 0 using 1:2 with linespoints lw 2.5 pt 5 ps 1.4 lc rgb '#e69f00' title 'threadpool', \
     'grain_metg_flat.dat' index 1 using 1:2 with linespoints lw 2.5 pt 9 ps 1.4 lc rgb '#cc79a7' title 'procpool', \
     'grain_metg_flat.dat' index 2 using 1:2 with linespoints lw 2.5 pt 13 ps 1.4 lc rgb '#0072b2' title 'stealing', \
     'grain_metg_flat.dat' index 3 using 1:2 with linespoints lw 2.5 pt 11 ps 1.4 lc rgb '#d55e00' title 'openmp', \
     'grain_metg_flat.dat' index 4 using 1:2 with linespoints lw 2.5 pt 15 ps 1.4 lc rgb '#009e73' title 'tbb', \
     'grain_metg_flat.dat' index 5 using 1:2 with linespoints lw 2.5 pt 6 ps 1.4 lc rgb '#999933' title 'eventloop', \
     'grain_metg_flat.dat' index 6 using 1:2 with linespoints lw 2.5 pt 8 ps 1.4 lc rgb '#882255' title 'eventloop-cores'
