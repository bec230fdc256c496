# nqueens: speedup over the serial twin
# Written by wsreport from ../results.csv; data in speedup_nqueens.dat.
# Redraw in this directory with: gnuplot speedup_nqueens.gp
set terminal svg size 900,540 dynamic noenhanced font 'sans-serif,14' background rgb 'white'
set encoding utf8
set output 'speedup_nqueens.svg'
set title 'nqueens: speedup over the serial twin'
set xlabel 'workers (threads or processes)'
set ylabel 'speedup (serial time / time)'
set title font 'sans-serif,16'
set border 3
set tics nomirror
set grid ytics lc rgb '#d9d9d9' dt 3
set key outside right top spacing 1.3
set xtics (1, 2)
set xrange [0:2.1]
set yrange [0:2.5]
plot 'speedup_nqueens.dat' index 0 using 1:2 with linespoints lw 2.5 pt 7 ps 1.4 lc rgb '#4d4d4d' title 'serial', \
     'speedup_nqueens.dat' index 1 using 1:2 with linespoints lw 2.5 pt 13 ps 1.4 lc rgb '#0072b2' title 'stealing', \
     x with lines dt 2 lw 1.5 lc rgb '#888888' title 'ideal (y = x)'
