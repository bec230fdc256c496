# fib (n:40): wall time per task with one worker
# Written by wsreport from ../results.csv; data in overhead_fib_n-40.dat.
# Redraw in this directory with: gnuplot overhead_fib_n-40.gp
set terminal svg size 900,540 dynamic noenhanced font 'sans-serif,14' background rgb 'white'
set encoding utf8
set output 'overhead_fib_n-40.svg'
set title 'fib (n:40): wall time per task with one worker'
set xlabel 'executor'
set ylabel 'time per task (log scale)'
set title font 'sans-serif,16'
set border 3
set tics nomirror
set grid ytics lc rgb '#d9d9d9' dt 3
set key outside right top spacing 1.3
set xtics ('serial' 0, 'stealing' 1) scale 0
set xrange [-0.7:1.7]
set logscale y 10
set yrange [1e-09:1e-08]
set format y '%.0s %cs'
set ytics (1e-09, 2e-09, 5e-09, 1e-08)
plot 'overhead_fib_n-40.dat' index 0 using 1:2:3:4:5:6 with boxxyerror fs solid 0.9 noborder lc rgb '#4d4d4d' title 'serial', \
     'overhead_fib_n-40.dat' index 1 using 1:2:3:4:5:6 with boxxyerror fs solid 0.9 noborder lc rgb '#0072b2' title 'stealing', \
     'overhead_fib_n-40.dat' index 0:1 using 1:6:7 with labels offset 0,0.8 notitle
