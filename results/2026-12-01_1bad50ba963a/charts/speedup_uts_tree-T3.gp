# uts (tree:T3): speedup over the serial twin
# Written by wsreport from ../results.csv; data in speedup_uts_tree-T3.dat.
# Redraw in this directory with: gnuplot speedup_uts_tree-T3.gp
set terminal svg size 900,540 dynamic noenhanced font 'sans-serif,14' background rgb 'white'
set encoding utf8
set output 'speedup_uts_tree-T3.svg'
set title 'uts (tree:T3): speedup over the serial twin'
set xlabel 'workers (threads or processes)'
set ylabel 'speedup (serial time / time)'
set title font 'sans-serif,16'
set border 3
set tics nomirror
set grid ytics lc rgb '#d9d9d9' dt 3
set key outside right top spacing 1.3
set xtics (1, 2, 4)
set xrange [0:4.2]
set yrange [0:2.5]
plot 'speedup_uts_tree-T3.dat' index 0 using ($1-0.140):2:3:4 with yerrorlines lw 2.5 pt 7 ps 1.4 lc rgb '#4d4d4d' title 'serial', \
     'speedup_uts_tree-T3.dat' index 1 using ($1-0.100):2:3:4 with yerrorlines lw 2.5 pt 5 ps 1.4 lc rgb '#e69f00' title 'threadpool', \
     'speedup_uts_tree-T3.dat' index 2 using ($1-0.060):2:3:4 with yerrorlines lw 2.5 pt 9 ps 1.4 lc rgb '#cc79a7' title 'procpool', \
     'speedup_uts_tree-T3.dat' index 3 using ($1-0.020):2:3:4 with yerrorlines lw 2.5 pt 13 ps 1.4 lc rgb '#0072b2' title 'stealing', \
     'speedup_uts_tree-T3.dat' index 4 using ($1+0.020):2:3:4 with yerrorlines lw 2.5 pt 11 ps 1.4 lc rgb '#d55e00' title 'openmp', \
     'speedup_uts_tree-T3.dat' index 5 using ($1+0.060):2:3:4 with yerrorlines lw 2.5 pt 15 ps 1.4 lc rgb '#009e73' title 'tbb', \
     'speedup_uts_tree-T3.dat' index 6 using ($1+0.100):2:3:4 with yerrorlines lw 2.5 pt 6 ps 1.4 lc rgb '#999933' title 'eventloop', \
     'speedup_uts_tree-T3.dat' index 7 using ($1+0.140):2:3:4 with yerrorlines lw 2.5 pt 8 ps 1.4 lc rgb '#882255' title 'eventloop-cores', \
     x with lines dt 2 lw 1.5 lc rgb '#888888' title 'ideal (y = x)'
