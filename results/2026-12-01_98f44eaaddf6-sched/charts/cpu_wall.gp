# CPU time / wall time at each executor's highest worker count
# Written by wsreport from ../results.csv; data in cpu_wall.dat.
# Redraw in this directory with: gnuplot cpu_wall.gp
set terminal svg size 900,540 dynamic noenhanced font 'sans-serif,14' background rgb 'white'
set encoding utf8
set output 'cpu_wall.svg'
set title 'CPU time / wall time at each executor''s highest worker count'
set xlabel 'workload'
set ylabel 'CPU time / wall time (cores busy)'
set title font 'sans-serif,16'
set border 3
set tics nomirror
set grid ytics lc rgb '#d9d9d9' dt 3
set key outside right top spacing 1.3
set xtics ('fib (n:40)' 0, 'fib (n:40/variant:gcc)' 1, 'nqueens' 2, 'uts' 3) scale 0
set xrange [-0.6:3.6]
set yrange [0:2.29744]
plot 'cpu_wall.dat' index 0 using 1:2:3:4:5:6 with boxxyerror fs solid 0.9 noborder lc rgb '#4d4d4d' title 'serial', \
     'cpu_wall.dat' index 1 using 1:2:3:4:5:6 with boxxyerror fs solid 0.9 noborder lc rgb '#0072b2' title 'stealing', \
     'cpu_wall.dat' index 2 using 1:2:3:4:5:6 with boxxyerror fs solid 0.9 noborder lc rgb '#882255' title 'stealing-random'
