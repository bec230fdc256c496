# uts (tree:T3L): steals and chunks, all ranks
# Written by wsreport from ../results.csv; data in traffic_uts_tree-T3L.dat.
# Redraw in this directory with: gnuplot traffic_uts_tree-T3L.gp
set terminal svg size 1000,540 dynamic noenhanced font 'sans-serif,14' background rgb 'white'
set encoding utf8
set output 'traffic_uts_tree-T3L.svg'
set title 'uts (tree:T3L): steals and chunks, all ranks'
set xlabel 'configuration (executor ranks x workers)'
set ylabel 'count, summed over ranks'
set title font 'sans-serif,16'
set border 3
set tics nomirror
set grid ytics lc rgb '#d9d9d9' dt 3
set key outside right top spacing 1.3
set xtics ('mpi 2x1' 0, 'mpi+stealing 2x1' 1, 'mpi+stealing 1x2' 2, 'mpi-static 2x1' 3, 'mpi-static 1x2' 4) rotate by -30
set xrange [-0.6:5]
set yrange [0:*]
set style fill solid 0.85 noborder
set boxwidth 0.18
plot 'traffic_uts_tree-T3L.dat' using ($1-0.3+0.2*$2):($2==0?$3:1/0) with boxes lc rgb '#e69f00' title 'steal requests', '' using ($1-0.3+0.2*$2):($2==1?$3:1/0) with boxes lc rgb '#009e73' title 'answered with work', '' using ($1-0.3+0.2*$2):($2==2?$3:1/0) with boxes lc rgb '#cc79a7' title 'lifeline requests', '' using ($1-0.3+0.2*$2):($2==3?$3:1/0) with boxes lc rgb '#0072b2' title 'chunks moved'
