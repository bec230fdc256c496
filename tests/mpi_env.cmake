# What every test run under mpirun shares (tests/sched/mpi, tests/bench/mpi):
# WS_MPI_RUNFLAGS, mpirun's flags for more ranks than cores, and
# WS_MPI_TEST_ENV, the tests' environment.
#
# As root, Open MPI wants OMPI_ALLOW_RUN_AS_ROOT and its confirmation; the
# tests set them themselves. Under the sanitizers, Open MPI (not built with
# them) needs three things, each for one reason:
#   ThreadSanitizer: only the shared-memory and self transports
#     (OMPI_MCA_btl=self,vader): the tcp one, which one node does not need,
#     takes two of its own locks in both orders in MPI_Init and
#     MPI_Finalize (mca_btl_tcp_add_procs / _del_procs), which TSan reports.
#   AddressSanitizer: LeakSanitizer suppressions for Open MPI's own
#     libraries only (tests/sched/mpi/lsan.supp says why), with the MCA
#     components kept loaded and full stacks so that the frames have names.
execute_process(COMMAND ${MPIEXEC_EXECUTABLE} --version OUTPUT_VARIABLE _ws_mpi_version
                ERROR_QUIET)
set(WS_MPI_RUNFLAGS "")
if(_ws_mpi_version MATCHES "Open MPI|OpenRTE")
  set(WS_MPI_RUNFLAGS --oversubscribe --bind-to none)
endif()
set(WS_MPI_TEST_ENV "OMPI_ALLOW_RUN_AS_ROOT=1;OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1")
if(WS_SANITIZE MATCHES "thread")
  list(APPEND WS_MPI_TEST_ENV "OMPI_MCA_btl=self,vader")
endif()
if(WS_SANITIZE MATCHES "address")
  list(APPEND WS_MPI_TEST_ENV "OMPI_MCA_mca_base_component_disable_dlclose=1"
       "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:fast_unwind_on_malloc=0"
       "LSAN_OPTIONS=suppressions=${CMAKE_CURRENT_LIST_DIR}/sched/mpi/lsan.supp")
endif()
