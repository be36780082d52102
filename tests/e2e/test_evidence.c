/* The acceptance test of equivocation evidence: a committee of 4 seqd with
 * a private anvil (1 s blocks), the contracts at the addresses `seqctl l1
 * predict` gave the genesis, epochs of EPOCH_BLOCKS L1 blocks, and every
 * validator bonded with BOND_WEI (`seqctl l1 bond`, each with its own
 * key). Node 3 double-votes (test mode `"test": {"equivocate": "vote"}`):
 * with each vote it sends to the next leader it signs a second vote for
 * the same view and another block and sends that to the other two.
 *
 *   1. The honest nodes find the double vote (a certificate carrying one
 *      vote meets the other) and hold Vote evidence against node 3 that
 *      verifies as L1 will (seq_getEvidence; status evidence counters).
 *   2. One of them submits it: Committee.validatorInfo(node 3) turns
 *      Slashed with bond 0; the ValidatorSlashed log names an honest
 *      reporter, reward = bond/2, burned = bond - bond/2; 0x…dEaD's balance
 *      rose by the burned half, and the reporter's by the reward (its
 *      balance across the block, plus the fees of its txs in that block);
 *      every honest node sees the slashing (status `slashed`, accepted).
 *   3. Batches still land on L1 after the next epoch boundary, when node
 *      3 is out of the Committee (its signature would be NotMember).
 * Throughout, the committee keeps committing: the honest nodes' highest
 * height never stands still for STALL_MS_MAX, sampled every POLL_MS.
 * Plain C on tests/e2e/e2e.c; SEQ_ANVIL names anvil. Needs a build with
 * -DSEQ_TEST_MODES=ON (the dev preset). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "anvil.h"
#include "clock.h"
#include "e2e.h"

#define NODES          4u
#define ALL            0xfu
#define HONEST         0x7u
#define BYZANTINE      3u
#define EPOCH_BLOCKS   10u
#define BOND_WEI       "2000000000000000000" /* 2 ether */
#define BOND_WEI_U64   2000000000000000000ull
#define BALANCE_WEI    "0x3635c9adc5dea00000" /* 1000 ether */
#define DEAD_ADDRESS   "0x000000000000000000000000000000000000dEaD"
#define STATUS_ACTIVE  1
#define STATUS_SLASHED 3
#define WAIT_MS        30000u
#define EVIDENCE_MS    60000u
#define SLASH_MS       90000u
#define BATCH_MS       90000u
#define STALL_MS_MAX   5000u
#define POLL_MS        250u
#define OUT_BYTES      8192u

typedef unsigned __int128 u128;

static e2e_committee committee;
static test_anvil anvil;
static char anvil_path[E2E_PATH_BYTES];
static l1_rpc *l1c;
static seq_addr committee_addr, validators[NODES];
static char validator_text[NODES][43];
/* The liveness watch: the honest nodes' highest height and when it last
 * moved. */
static int64_t watch_height = -1;
static uint64_t watch_moved_ms, watch_stall_ms_max;

static void stop_anvil(void)
{
    test_anvil_stop(&anvil);
}

/* ------------------------------------------------------------ liveness */

/* Samples the committee's progress; fails if it stood still too long. */
static void watch(void)
{
    uint64_t now = test_now_ms();
    int64_t h = e2e_max_height(&committee, HONEST);
    if (h > watch_height) {
        watch_height = h;
        watch_moved_ms = now;
        return;
    }
    uint64_t stalled = now - watch_moved_ms;
    watch_stall_ms_max = SEQ_MAX(watch_stall_ms_max, stalled);
    E2E_CHECK(stalled < STALL_MS_MAX,
              "the committee stopped committing: height %" PRId64 " for %" PRIu64 " ms",
              watch_height, stalled);
}

/* Waits POLL_MS, watching. */
static void tick(void)
{
    test_sleep_ms(POLL_MS);
    watch();
}

/* ------------------------------------------------------------------ L1 */

static u128 word_u128(const uint8_t *w)
{
    u128 v = 0;
    for (size_t k = 16; k < 32; k++)
        v = v << 8 | w[k];
    return v;
}

static void u128_text(char out[48], u128 v)
{
    char tmp[48];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v > 0);
    for (size_t k = 0; k < n; k++)
        out[k] = tmp[n - 1 - k];
    out[n] = '\0';
}

typedef struct {
    unsigned status;
    uint64_t weight, weight_next;
    u128 bond;
} validator_info;

static validator_info info_of(size_t i)
{
    uint8_t call[4 + 32], w[5 * 32];
    l1_abi_selector(call, "validatorInfo(address)");
    l1_abi_addr(call + 4, &validators[i]);
    l1_rpc_tx_request req = {
        .has_to = true, .to = committee_addr, .data = call, .data_len = sizeof call};
    size_t len = 0;
    E2E_CHECK(l1_rpc_eth_call(l1c, w, sizeof w, &len, &req, L1_TAG_LATEST) == SEQ_OK &&
                  len == sizeof w,
              "validatorInfo(%s): %s", validator_text[i], l1_rpc_last_error(l1c));
    return (validator_info){.status = w[31],
                            .weight = (uint64_t)word_u128(w + 32),
                            .weight_next = (uint64_t)word_u128(w + 64),
                            .bond = word_u128(w + 96)};
}

/* The balance of address (text) at block number. */
static u128 balance_at(const char *address, uint64_t block)
{
    char params[128], *result = NULL;
    snprintf(params, sizeof params, "[\"%s\", \"0x%" PRIx64 "\"]", address, block);
    E2E_CHECK(l1_rpc_call(l1c, &result, "eth_getBalance", params) == SEQ_OK,
              "eth_getBalance %s: %s", params, l1_rpc_last_error(l1c));
    json_t *v = json_loads(result, JSON_DECODE_ANY, NULL);
    free(result);
    const char *hex = json_string_value(v);
    E2E_CHECK(hex != NULL && strncmp(hex, "0x", 2) == 0 && strlen(hex) <= 2 + 32,
              "eth_getBalance: not a quantity below 2^128");
    u128 value = 0;
    for (const char *p = hex + 2; *p != '\0'; p++) {
        int d = *p >= '0' && *p <= '9' ? *p - '0' : (*p | 0x20) - 'a' + 10;
        E2E_CHECK(d >= 0 && d < 16, "eth_getBalance: %s", hex);
        value = value << 4 | (u128)d;
    }
    json_decref(v);
    return value;
}

/* The fees account paid for its txs in block (gasUsed x effectiveGasPrice). */
static u128 fees_in_block(const seq_addr *account, uint64_t block)
{
    char params[64], *result = NULL;
    snprintf(params, sizeof params, "[\"0x%" PRIx64 "\", true]", block);
    E2E_CHECK(l1_rpc_call(l1c, &result, "eth_getBlockByNumber", params) == SEQ_OK,
              "eth_getBlockByNumber %s", params);
    json_t *b = json_loads(result, 0, NULL);
    free(result);
    const json_t *txs = json_object_get(b, "transactions");
    E2E_CHECK(json_is_array(txs), "block %" PRIu64 " without transactions", block);
    u128 fees = 0;
    for (size_t k = 0; k < json_array_size(txs); k++) {
        const json_t *tx = json_array_get(txs, k);
        seq_addr from;
        seq_hash hash;
        E2E_CHECK(e2e_addr_from(&from, json_object_get(tx, "from")) &&
                      e2e_hash_from(&hash, json_object_get(tx, "hash")),
                  "block %" PRIu64 ": tx %zu", block, k);
        if (!seq_addr_equal(&from, account))
            continue;
        l1_rpc_tx_receipt r;
        E2E_CHECK(l1_rpc_receipt(l1c, &r, &hash) == SEQ_OK, "receipt");
        fees += (u128)r.gas_used * r.effective_gas_price;
    }
    json_decref(b);
    return fees;
}

/* The ValidatorSlashed log of the Committee, if any, with its block. */
typedef struct {
    bool found;
    uint64_t block;
    seq_addr validator, reporter;
    u128 bond, burned, reward;
} slashed_log;

static slashed_log slashed_find(void)
{
    slashed_log out = {0};
    l1_rpc_log logs[64];
    static uint8_t arena_buf[64 << 10];
    seq_arena arena;
    seq_arena_init(&arena, arena_buf, sizeof arena_buf);
    uint64_t head = 0;
    E2E_CHECK(l1_rpc_block_number(l1c, &head) == SEQ_OK, "eth_blockNumber");
    l1_rpc_log_filter filter;
    memset(&filter, 0, sizeof filter);
    filter.from_block = 0;
    filter.to_block = head;
    filter.addresses[0] = committee_addr;
    filter.address_count = 1;
    size_t count = 0;
    E2E_CHECK(l1_rpc_logs(l1c, logs, SEQ_ARRAY_LEN(logs), &count, &arena, &filter) == SEQ_OK,
              "eth_getLogs: %s", l1_rpc_last_error(l1c));
    for (size_t k = 0; k < count; k++) {
        l1_event ev;
        if (l1_event_decode(&ev, &logs[k]) != SEQ_OK || ev.kind != L1_EVENT_VALIDATOR_SLASHED)
            continue;
        const l1_event_validator_slashed *s = &ev.validator_slashed;
        E2E_CHECK(!out.found, "two ValidatorSlashed logs");
        out = (slashed_log){.found = true,
                            .block = logs[k].block_number,
                            .validator = s->validator,
                            .reporter = s->reporter,
                            .bond = word_u128(s->bond_wei),
                            .burned = word_u128(s->burned_wei),
                            .reward = word_u128(s->reward_wei)};
    }
    return out;
}

/* ------------------------------------------------------------- set up */

static void bond_all(void)
{
    for (size_t i = 0; i < NODES; i++) {
        char key_dir[16];
        snprintf(key_dir, sizeof key_dir, "k%zu", i);
        char *args[] = {(char *)committee.seqctl_path,
                        "l1",
                        "bond",
                        "--rpc",
                        anvil.url,
                        "--deployment",
                        "l1-deployment.json",
                        "--key",
                        key_dir,
                        "--insecure-key",
                        "--value-wei",
                        BOND_WEI,
                        NULL};
        e2e_tool(&committee, args);
        validator_info v = info_of(i);
        E2E_CHECK(v.status == STATUS_ACTIVE && v.bond == (u128)BOND_WEI_U64,
                  "validator %zu after bonding: status %u, bond not %s", i, v.status, BOND_WEI);
    }
}

static void setup(void)
{
    e2e_setup_nodes(&committee, "test_e2e_evidence", NODES, 0);
    atexit(stop_anvil);
    const char *anvil_extra[] = {"--block-time", "1", NULL};
    e2e_anvil_start(&committee, &anvil, anvil_path, 0, anvil_extra);
    l1_rpc_options options;
    l1_rpc_options_default(&options);
    options.retries = 0;
    E2E_CHECK(l1_rpc_new(&l1c, anvil.url, &options) == SEQ_OK, "l1_rpc_new %s", anvil.url);
    e2e_dev_key_write(&committee);
    char committee_text[43], inbox_text[43];
    e2e_l1_predict(&committee, anvil.url, committee_text, inbox_text);
    E2E_CHECK(l1_hex_decode_exact(committee_addr.b, SEQ_ADDR_BYTES, committee_text) == SEQ_OK,
              "predicted committee %s", committee_text);
    const char *extra[] = {"--batch-max-span-ms",
                           "1000",
                           "--poster-timeout-ms",
                           "3000",
                           "--confirmations",
                           "1",
                           "--committee-address",
                           committee_text,
                           "--inbox-address",
                           inbox_text,
                           NULL};
    e2e_genesis(&committee, 1000, 0, extra);
    char epoch[16];
    snprintf(epoch, sizeof epoch, "%u", EPOCH_BLOCKS);
    char *deploy[] = {(char *)committee.seqctl_path,
                      "l1",
                      "deploy",
                      "--rpc",
                      anvil.url,
                      "--genesis",
                      "genesis.json",
                      "--key",
                      "dev.key",
                      "--insecure-key",
                      "--epoch-blocks",
                      epoch,
                      NULL};
    e2e_tool(&committee, deploy);
    e2e_validators_fund(&committee, l1c, validators, BALANCE_WEI);
    for (size_t i = 0; i < NODES; i++)
        e2e_hex(validator_text[i], sizeof validator_text[i], validators[i].b, SEQ_ADDR_BYTES);
    bond_all();
    for (size_t i = 0; i < NODES; i++)
        e2e_config_l1(&committee, i, anvil.url);
    e2e_json_set(&committee, "node3.json", NULL, "test", json_pack("{s:s}", "equivocate", "vote"));
    long log_at = e2e_log_size(&committee, BYZANTINE);
    for (size_t i = 0; i < NODES; i++)
        e2e_node_start(&committee, i);
    e2e_wait_heights(&committee, ALL, 3, WAIT_MS, "start");
    E2E_CHECK(e2e_log_has(&committee, BYZANTINE, log_at, "test_mode", "equivocate"),
              "node 3 did not log event=test_mode mode=equivocate");
    watch();
    printf("test_e2e_evidence: 4 nodes on anvil %s (Committee %s, epochs of %u blocks), each "
           "bonded with %s wei; node 3 (%s) double-votes\n",
           anvil.url, committee_text, EPOCH_BLOCKS, BOND_WEI, validator_text[BYZANTINE]);
}

/* --------------------------------------------------------------- phases */

/* status.evidence.validators[BYZANTINE].<field> of node i, or -1. */
static int64_t evidence_counter(size_t i, const char *field)
{
    json_t *s = e2e_status(&committee, i);
    const json_t *v =
        json_array_get(json_object_get(json_object_get(s, "evidence"), "validators"), BYZANTINE);
    const json_t *x = json_object_get(v, field);
    int64_t out = json_is_boolean(x)   ? (int64_t)json_is_true(x)
                  : json_is_integer(x) ? (int64_t)json_integer_value(x)
                                       : -1;
    json_decref(s);
    return out;
}

/* 1. Every honest node holds Vote evidence against node 3. */
static void phase_detected(void)
{
    uint64_t start = test_now_ms(), first_ms = 0;
    unsigned holding = 0;
    while (holding != HONEST) {
        E2E_CHECK(test_now_ms() - start < EVIDENCE_MS,
                  "after %u ms the honest nodes holding evidence: mask 0x%x", EVIDENCE_MS, holding);
        for (size_t i = 0; i < NODES; i++) {
            if (i == BYZANTINE || ((holding >> i) & 1u))
                continue;
            char params[64];
            snprintf(params, sizeof params, "[\"%s\"]", validator_text[BYZANTINE]);
            json_t *r = e2e_call(&committee, i, "seq_getEvidence", params);
            const json_t *list = json_object_get(r, "evidence");
            if (json_array_size(list) > 0) {
                const json_t *e = json_array_get(list, 0);
                const char *kind = json_string_value(json_object_get(e, "kind"));
                E2E_CHECK(kind != NULL && strcmp(kind, "vote") == 0,
                          "node %zu: evidence of kind %s, not vote", i, kind ? kind : "?");
                holding |= 1u << i;
                if (first_ms == 0)
                    first_ms = test_now_ms() - start;
            }
            json_decref(r);
        }
        tick();
    }
    int64_t detected = 0, received = 0;
    for (size_t i = 0; i < NODES; i++) {
        if (i == BYZANTINE)
            continue;
        detected += evidence_counter(i, "detected");
        received += evidence_counter(i, "received");
        /* Never against an honest validator. */
        for (size_t j = 0; j < NODES; j++) {
            if (j == BYZANTINE)
                continue;
            char params[64];
            snprintf(params, sizeof params, "[\"%s\"]", validator_text[j]);
            json_t *r = e2e_call(&committee, i, "seq_getEvidence", params);
            E2E_CHECK(json_array_size(json_object_get(r, "evidence")) == 0,
                      "node %zu holds evidence against honest validator %zu", i, j);
            json_decref(r);
        }
    }
    E2E_CHECK(detected > 0, "no honest node found the double vote itself");
    printf("test_e2e_evidence: detected: first evidence %.1f s after the start check, all three "
           "honest nodes %.1f s; found by the honest nodes %" PRId64
           " times, received by gossip %" PRId64 " times\n",
           (double)first_ms / 1000.0, (double)(test_now_ms() - start) / 1000.0, detected, received);
}

/* 2. Slashed on L1, the reporter paid, every honest node told. */
static void phase_slashed(void)
{
    uint64_t start = test_now_ms();
    slashed_log s = {0};
    while (!(s = slashed_find()).found) {
        E2E_CHECK(test_now_ms() - start < SLASH_MS, "no ValidatorSlashed after %u ms", SLASH_MS);
        tick();
    }
    validator_info v = info_of(BYZANTINE);
    E2E_CHECK(v.status == STATUS_SLASHED && v.bond == 0 && v.weight_next == 0,
              "validatorInfo(node 3) after slashing: status %u, bond not 0 or next weight %" PRIu64,
              v.status, v.weight_next);
    E2E_CHECK(seq_addr_equal(&s.validator, &validators[BYZANTINE]), "slashed someone else");
    int reporter = -1;
    for (size_t i = 0; i < NODES; i++)
        if (seq_addr_equal(&s.reporter, &validators[i]))
            reporter = (int)i;
    E2E_CHECK(reporter >= 0 && reporter != (int)BYZANTINE, "the reporter is not an honest node");
    E2E_CHECK(s.bond == (u128)BOND_WEI_U64 && s.reward == s.bond / 2 &&
                  s.burned == s.bond - s.bond / 2,
              "ValidatorSlashed: bond, reward or burned wrong");
    /* The money moved: 0xdEaD got the burned half; the reporter the reward,
     * net of the fees of its txs in that block. */
    u128 dead = balance_at(DEAD_ADDRESS, s.block) - balance_at(DEAD_ADDRESS, s.block - 1);
    E2E_CHECK(dead == s.burned, "0xdEaD's balance did not rise by the burned half");
    u128 before = balance_at(validator_text[reporter], s.block - 1);
    u128 after = balance_at(validator_text[reporter], s.block);
    u128 fees = fees_in_block(&validators[reporter], s.block);
    E2E_CHECK(after + fees - before == s.reward,
              "the reporter's balance did not rise by the reward (net of its fees)");
    /* Every honest node saw it on L1; one submission (or a lost race) each. */
    int64_t submitted = 0;
    uint64_t seen_start = test_now_ms();
    for (size_t i = 0; i < NODES; i++) {
        if (i == BYZANTINE)
            continue;
        while (evidence_counter(i, "slashed") != 1 || evidence_counter(i, "accepted") < 1) {
            E2E_CHECK(test_now_ms() - seen_start < WAIT_MS,
                      "node %zu does not report node 3 slashed and the evidence accepted", i);
            tick();
        }
        submitted += evidence_counter(i, "submitted");
    }
    char reward[48], fees_text[48];
    u128_text(reward, s.reward);
    u128_text(fees_text, fees);
    printf("test_e2e_evidence: slashed at L1 block %" PRIu64 ", %.1f s after detection; reporter "
           "node %d paid %s wei (its balance +reward -%s wei of fees in that block); bond 0, "
           "status Slashed, out of the next epoch; submissions sent by the honest nodes: %" PRId64
           "\n",
           s.block, (double)(test_now_ms() - start) / 1000.0, reporter, reward, fees_text,
           submitted);
}

/* 3. Batches still land after the epoch boundary that drops node 3. */
static void phase_batches_after(void)
{
    uint8_t call[4], w[32];
    l1_abi_selector(call, "currentEpoch()");
    l1_rpc_tx_request req = {
        .has_to = true, .to = committee_addr, .data = call, .data_len = sizeof call};
    size_t len = 0;
    E2E_CHECK(l1_rpc_eth_call(l1c, w, sizeof w, &len, &req, L1_TAG_LATEST) == SEQ_OK &&
                  len == sizeof w,
              "currentEpoch()");
    uint64_t epoch_now = (uint64_t)word_u128(w);
    uint64_t start = test_now_ms();
    for (;;) {
        E2E_CHECK(test_now_ms() - start < BATCH_MS, "no batch posted in an epoch without node 3");
        json_t *l1 = e2e_status_l1(&committee, 0);
        int64_t batch_block = e2e_int_at(l1, "lastBatch.l1Block");
        json_decref(l1);
        E2E_CHECK(l1_rpc_eth_call(l1c, w, sizeof w, &len, &req, L1_TAG_LATEST) == SEQ_OK,
                  "currentEpoch()");
        uint64_t epoch = (uint64_t)word_u128(w);
        validator_info v = info_of(BYZANTINE);
        if (epoch > epoch_now && v.weight == 0 && batch_block > 0) {
            /* A batch in a block of this epoch (node 3 out) proves it. */
            uint8_t sc[4 + 32];
            l1_abi_selector(sc, "epochStartBlock(uint64)");
            l1_abi_u64(sc + 4, epoch);
            l1_rpc_tx_request r2 = {
                .has_to = true, .to = committee_addr, .data = sc, .data_len = sizeof sc};
            E2E_CHECK(l1_rpc_eth_call(l1c, w, sizeof w, &len, &r2, L1_TAG_LATEST) == SEQ_OK,
                      "epochStartBlock");
            if ((uint64_t)batch_block >= (uint64_t)word_u128(w)) {
                printf("test_e2e_evidence: batch posted at L1 block %" PRId64 " in epoch %" PRIu64
                       ", where node 3 has weight 0\n",
                       batch_block, epoch);
                return;
            }
        }
        tick();
    }
}

int main(void)
{
    const char *anvil_env = getenv("SEQ_ANVIL");
    if (anvil_env == NULL || anvil_env[0] == '\0') {
        fprintf(stderr, "test_e2e_evidence: SEQ_ANVIL must name anvil\n");
        return 1;
    }
    snprintf(anvil_path, sizeof anvil_path, "%s", anvil_env);
    uint64_t start = test_now_ms();
    setup();
    phase_detected();
    phase_slashed();
    phase_batches_after();
    printf("test_e2e_evidence: the committee committed throughout: height %" PRId64
           ", longest stand-still %" PRIu64 " ms (sampled every %u ms)\n",
           watch_height, watch_stall_ms_max, POLL_MS);
    e2e_teardown(&committee);
    l1_rpc_free(l1c);
    printf("test_e2e_evidence: ok (%" PRIu64 " s)\n", (test_now_ms() - start) / 1000u);
    return 0;
}
