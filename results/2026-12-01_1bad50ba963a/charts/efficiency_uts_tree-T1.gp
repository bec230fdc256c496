# uts (tree:T1): efficiency (speedup / workers)
# Written by wsreport from ../results.csv; data in efficiency_uts_tree-T1.dat.
# Redraw in this directory with: gnuplot efficiency_uts_tree-T1.gp
set terminal svg size 900,540 dynamic noenhanced font 'sans-serif,14' background rgb 'white'
set encoding utf8
set output 'efficiency_uts_tree-T1.svg'
set title 'uts (tree:T1): efficiency (speedup / workers)'
set xlabel 'workers (threads or processes)'
set ylabel 'efficiency (speedup / workers)'
set title font 'sans-serif,16'
set border 3
set tics nomirror
set grid ytics lc rgb '#d9d9d9' dt 3
set key outside right top spacing 1.3
set xtics (1, 2, 4)
set xrange [0:4.2]
set yrange [0:1.2]
plot 'efficiency_uts_tree-T1.dat' index 0 using ($1-0.060):2:3:4 with yerrorlines lw 2.5 pt 7 ps 1.4 lc rgb '#4d4d4d' title 'serial', \
     'efficiency_uts_tree-T1.dat' index 1 using ($1-0.020):2:3:4 with yerrorlines lw 2.5 pt 13 ps 1.4 lc rgb '#0072b2' title 'stealing', \
     'efficiency_uts_tree-T1.dat' index 2 using ($1+0.020):2:3:4 with yerrorlines lw 2.5 pt 11 ps 1.4 lc rgb '#d55e00' title 'openmp', \
     'efficiency_uts_tree-T1.dat' index 3 using ($1+0.060):2:3:4 with yerrorlines lw 2.5 pt 15 ps 1.4 lc rgb '#009e73' title 'tbb', \
     1 with lines dt 2 lw 1.5 lc rgb '#888888' title 'ideal (1)'
