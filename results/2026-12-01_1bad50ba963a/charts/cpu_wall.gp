# CPU time / wall time at each executor's highest worker count
# Written by wsreport from ../results.csv; data in cpu_wall.dat.
# Redraw in this directory with: gnuplot cpu_wall.gp
set terminal svg size 2280,540 dynamic noenhanced font 'sans-serif,14' background rgb 'white'
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
set xtics ('fib' 0, 'nqueens' 1, 'uts (tree:T1)' 2, 'uts (tree:T3)' 3, 'matmul' 4, 'sort' 5, 'sleep' 6, 'pipe' 7, 'socket' 8, 'file' 9, 'mixed' 10) scale 0
set xtics rotate by 30 right
set xrange [-0.6:10.6]
set yrange [0:2.29925]
plot 'cpu_wall.dat' index 0 using 1:2:3:4:5:6 with boxxyerror fs solid 0.9 noborder lc rgb '#4d4d4d' title 'serial', \
     'cpu_wall.dat' index 1 using 1:2:3:4:5:6 with boxxyerror fs solid 0.9 noborder lc rgb '#e69f00' title 'threadpool', \
     'cpu_wall.dat' index 2 using 1:2:3:4:5:6 with boxxyerror fs solid 0.9 noborder lc rgb '#cc79a7' title 'procpool', \
     'cpu_wall.dat' index 3 using 1:2:3:4:5:6 with boxxyerror fs solid 0.9 noborder lc rgb '#0072b2' title 'stealing', \
     'cpu_wall.dat' index 4 using 1:2:3:4:5:6 with boxxyerror fs solid 0.9 noborder lc rgb '#d55e00' title 'openmp', \
     'cpu_wall.dat' index 5 using 1:2:3:4:5:6 with boxxyerror fs solid 0.9 noborder lc rgb '#009e73' title 'tbb', \
     'cpu_wall.dat' index 6 using 1:2:3:4:5:6 with boxxyerror fs solid 0.9 noborder lc rgb '#999933' title 'eventloop', \
     'cpu_wall.dat' index 7 using 1:2:3:4:5:6 with boxxyerror fs solid 0.9 noborder lc rgb '#882255' title 'eventloop-cores', \
     'cpu_wall.dat' index 8 using 1:2:3:4:5:6 with boxxyerror fs solid 0.9 noborder lc rgb '#56b4e9' title 'stealing-async'
