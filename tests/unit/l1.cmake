# l1 unit tests. Tests that compare against Foundry's cast get its path in
# SEQ_CAST and fail (not skip) when it is missing.
seq_unit_test(test_l1_hex SOURCES test_l1_hex.c DEPS seq_l1)
seq_unit_test(test_l1_keccak SOURCES test_l1_keccak.c DEPS seq_l1)
seq_unit_test(test_l1_rlp SOURCES test_l1_rlp.c DEPS seq_l1)
seq_unit_test(test_l1_secp SOURCES test_l1_secp.c DEPS seq_l1)
seq_unit_test(test_l1_eip712 SOURCES test_l1_eip712.c DEPS seq_l1)
seq_unit_test(test_l1_merkle SOURCES test_l1_merkle.c DEPS seq_l1)
seq_unit_test(test_l1_events SOURCES test_l1_events.c DEPS seq_l1)
seq_unit_test(test_l1_batch SOURCES test_l1_batch.c DEPS seq_l1)
seq_unit_test(test_l1_malformed SOURCES test_l1_malformed.c DEPS seq_l1)
seq_unit_test(test_l1_cast SOURCES test_l1_cast.c DEPS seq_l1 ENV SEQ_CAST=${SEQ_CAST})
# EIP-1559 transactions, checked byte for byte against `cast mktx`.
seq_unit_test(test_l1_tx SOURCES test_l1_tx.c DEPS seq_l1 ENV SEQ_CAST=${SEQ_CAST})
set_tests_properties(test_l1_tx PROPERTIES TIMEOUT 60)
# The JSON-RPC response parser (no network), then the client against its own
# anvil (SEQ_ANVIL, failing when it is missing) and a fake server thread.
seq_unit_test(test_l1_rpc_parse SOURCES test_l1_rpc_parse.c DEPS seq_l1)
seq_unit_test(test_l1_rpc SOURCES test_l1_rpc.c DEPS seq_l1 seq_test_support ENV SEQ_ANVIL=${SEQ_ANVIL})
set_tests_properties(test_l1_rpc PROPERTIES TIMEOUT 60)
# The tx manager and the log follower, each against its own anvil with
# mining driven by the test.
seq_unit_test(test_l1_txmgr SOURCES test_l1_txmgr.c DEPS seq_l1 seq_test_support
              ENV SEQ_ANVIL=${SEQ_ANVIL})
set_tests_properties(test_l1_txmgr PROPERTIES TIMEOUT 60)
seq_unit_test(test_l1_follow SOURCES test_l1_follow.c DEPS seq_l1 seq_test_support
              ENV SEQ_ANVIL=${SEQ_ANVIL})
set_tests_properties(test_l1_follow PROPERTIES TIMEOUT 60)
# Evidence for Committee.submitEvidence: statements, digests, the contract's
# checks in order, and calldata and digests against cast (SEQ_CAST).
seq_unit_test(test_l1_evidence SOURCES test_l1_evidence.c DEPS seq_l1 ENV SEQ_CAST=${SEQ_CAST})
set_tests_properties(test_l1_evidence PROPERTIES TIMEOUT 60)
