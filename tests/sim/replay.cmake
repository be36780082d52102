# sim_replay: determinism across processes. Runs the same seeds in two
# separate seqsim processes (each also runs every seed twice in-process,
# --replay-check) and requires byte-identical output, trace hashes included.
# A seed may fail an invariant (exit 1) without failing this test: what is
# checked here is only that it fails, or passes, identically.
#   cmake -DSEQSIM=<path> -DSEED=<first> -DSEEDS=<count> -P replay.cmake
foreach(run 1 2)
  execute_process(
    COMMAND ${SEQSIM} --replay-check --seed ${SEED} --seeds ${SEEDS}
    OUTPUT_VARIABLE out${run}
    RESULT_VARIABLE rc${run})
  if(NOT rc${run} MATCHES "^[01]$")
    message(FATAL_ERROR "seqsim run ${run} crashed (${rc${run}}):\n${out${run}}")
  endif()
endforeach()
if(NOT out1 MATCHES "trace=[0-9a-f]+")
  message(FATAL_ERROR "no trace hash in the output:\n${out1}")
endif()
if(out1 MATCHES "determinism")
  message(FATAL_ERROR "a seed ran differently twice in one process:\n${out1}")
endif()
if(NOT out1 STREQUAL out2 OR NOT rc1 STREQUAL rc2)
  message(FATAL_ERROR "two processes disagree:\n--- run 1\n${out1}\n--- run 2\n${out2}")
endif()
message(STATUS "replayed identically:\n${out1}")
