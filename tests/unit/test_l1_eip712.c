/* ABI words, EIP-712 (the "Ether Mail" example of the EIP and seqd's four
 * structs against hand-built encodings) and the block hash. */
/* cmocka needs these headers before its own, in this order. */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <string.h>

#include "l1.h"

static void unhex(uint8_t *out, size_t len, const char *hex)
{
    assert_int_equal(l1_hex_decode_exact(out, len, hex), SEQ_OK);
}

static void assert_hash_hex(const seq_hash *h, const char *hex)
{
    seq_hash want;
    unhex(want.b, sizeof(want.b), hex);
    if (!seq_hash_equal(h, &want)) {
        char got[67];
        assert_int_equal(l1_hex_encode(got, sizeof(got), h->b, sizeof(h->b)), SEQ_OK);
        fail_msg("hash mismatch: got %s want %s", got, hex);
    }
}

static void hash_str(seq_hash *out, const char *s)
{
    l1_keccak256(out, (const uint8_t *)s, strlen(s));
}

/* A hand-rolled abi.encode buffer: words appended big-endian by the test
 * itself, independent of l1_abi_*. */
typedef struct {
    uint8_t b[32 * 12];
    size_t len;
} words;

static void w_hash(words *w, const seq_hash *h)
{
    memcpy(w->b + w->len, h->b, 32);
    w->len += 32;
}

static void w_str(words *w, const char *s)
{
    seq_hash h;
    hash_str(&h, s);
    w_hash(w, &h);
}

static void w_u64(words *w, uint64_t v)
{
    memset(w->b + w->len, 0, 32);
    for (int i = 0; i < 8; i++)
        w->b[w->len + 31 - i] = (uint8_t)(v >> (8 * i));
    w->len += 32;
}

static void w_addr(words *w, const seq_addr *a)
{
    memset(w->b + w->len, 0, 12);
    memcpy(w->b + w->len + 12, a->b, 20);
    w->len += 32;
}

static void w_keccak(seq_hash *out, const words *w)
{
    l1_keccak256(out, w->b, w->len);
}

static void test_abi_words(void **state)
{
    (void)state;
    uint8_t word[32], want[32];
    memset(word, 0xaa, sizeof(word));
    l1_abi_u64(word, 0x0102030405060708ULL);
    unhex(want, 32, "0000000000000000000000000000000000000000000000000102030405060708");
    assert_memory_equal(word, want, 32);
    l1_abi_u64(word, UINT64_MAX);
    unhex(want, 32, "000000000000000000000000000000000000000000000000ffffffffffffffff");
    assert_memory_equal(word, want, 32);
    l1_abi_u64(word, 0);
    memset(want, 0, sizeof(want));
    assert_memory_equal(word, want, 32);

    seq_addr a;
    unhex(a.b, 20, "CcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC");
    memset(word, 0xaa, sizeof(word));
    l1_abi_addr(word, &a);
    unhex(want, 32, "000000000000000000000000cccccccccccccccccccccccccccccccccccccccc");
    assert_memory_equal(word, want, 32);
}

/* The example of EIP-712 (Mail from Cow to Bob). */
static void test_ether_mail(void **state)
{
    (void)state;
    seq_addr contract, cow, bob;
    unhex(contract.b, 20, "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC");
    unhex(cow.b, 20, "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826");
    unhex(bob.b, 20, "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB");

    seq_hash domain;
    l1_eip712_domain_separator(&domain, "Ether Mail", "1", 1, &contract);
    assert_hash_hex(&domain, "f2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f");

    seq_hash person_type, mail_type, from, to, mail;
    hash_str(&person_type, "Person(string name,address wallet)");
    hash_str(&mail_type, "Mail(Person from,Person to,string contents)"
                         "Person(string name,address wallet)");
    words w = {.len = 0};
    w_hash(&w, &person_type);
    w_str(&w, "Cow");
    w_addr(&w, &cow);
    w_keccak(&from, &w);
    w.len = 0;
    w_hash(&w, &person_type);
    w_str(&w, "Bob");
    w_addr(&w, &bob);
    w_keccak(&to, &w);
    w.len = 0;
    w_hash(&w, &mail_type);
    w_hash(&w, &from);
    w_hash(&w, &to);
    w_str(&w, "Hello, Bob!");
    w_keccak(&mail, &w);
    assert_hash_hex(&mail, "c52c0ee5d84264471806290a3f2c4cecfc5490626bf912d01f240d7a274b371e");

    seq_hash digest;
    l1_eip712_digest(&digest, &domain, &mail);
    assert_hash_hex(&digest, "be609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2");

    seq_hash cow_key;
    hash_str(&cow_key, "cow");
    seq_addr signer;
    assert_int_equal(l1_secp_address(&signer, cow_key.b), SEQ_OK);
    assert_true(seq_addr_equal(&signer, &cow));
    seq_sig sig, want;
    assert_int_equal(l1_secp_sign(&sig, cow_key.b, &digest), SEQ_OK);
    unhex(want.b, 65,
          "4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d"
          "07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b91562"
          "1c");
    assert_memory_equal(sig.b, want.b, 65);
    assert_int_equal(l1_secp_verify(&sig, &digest, &cow), SEQ_OK);
}

static void test_domain_type_hash(void **state)
{
    (void)state;
    /* The well-known EIP712Domain typeHash, and the separator spelled out. */
    seq_hash type;
    hash_str(&type, "EIP712Domain(string name,string version,uint256 chainId,"
                    "address verifyingContract)");
    assert_hash_hex(&type, "8b73c3c69bb8fe3d512ecc4cf759cc79239f7b179b0ffacaa9a75d522b39400f");
    seq_addr contract;
    memset(contract.b, 0x5e, sizeof(contract.b));
    words w = {.len = 0};
    w_hash(&w, &type);
    w_str(&w, L1_EIP712_NAME);
    w_str(&w, L1_EIP712_VERSION);
    w_u64(&w, 31337);
    w_addr(&w, &contract);
    seq_hash want, got;
    w_keccak(&want, &w);
    l1_eip712_domain_separator(&got, "seqd", "1", 31337, &contract);
    assert_true(seq_hash_equal(&got, &want));
    l1_eip712_domain_separator(&got, "seqd", "2", 31337, &contract);
    assert_false(seq_hash_equal(&got, &want));
    l1_eip712_domain_separator(&got, "seqd", "1", 31338, &contract);
    assert_false(seq_hash_equal(&got, &want));

    seq_hash digest, s = {{7}};
    l1_eip712_digest(&digest, &want, &s);
    uint8_t pre[66] = {0x19, 0x01};
    memcpy(pre + 2, want.b, 32);
    memcpy(pre + 34, s.b, 32);
    l1_keccak256(&got, pre, sizeof(pre));
    assert_true(seq_hash_equal(&digest, &got));
}

static void fill(seq_hash *h, uint8_t seed)
{
    for (size_t i = 0; i < sizeof(h->b); i++)
        h->b[i] = (uint8_t)(seed + 3 * i);
}

static void test_struct_hashes(void **state)
{
    (void)state;
    l1_block_stmt b = {.l2_chain_id = 42, .view = UINT64_MAX, .height = 1ULL << 40};
    fill(&b.block_hash, 1);
    seq_hash want, got;
    words w = {.len = 0};
    w_str(&w, "Proposal(uint64 l2ChainId,uint64 view,uint64 height,bytes32 blockHash)");
    w_u64(&w, 42);
    w_u64(&w, UINT64_MAX);
    w_u64(&w, 1ULL << 40);
    w_hash(&w, &b.block_hash);
    w_keccak(&want, &w);
    l1_eip712_proposal_hash(&got, &b);
    assert_true(seq_hash_equal(&got, &want));

    w.len = 0;
    w_str(&w, "Vote(uint64 l2ChainId,uint64 view,uint64 height,bytes32 blockHash)");
    w_u64(&w, 42);
    w_u64(&w, UINT64_MAX);
    w_u64(&w, 1ULL << 40);
    w_hash(&w, &b.block_hash);
    w_keccak(&want, &w);
    l1_eip712_vote_hash(&got, &b);
    assert_true(seq_hash_equal(&got, &want));
    seq_hash proposal;
    l1_eip712_proposal_hash(&proposal, &b);
    assert_false(seq_hash_equal(&proposal, &got)); /* a vote is never a proposal */

    l1_timeout_stmt t = {.l2_chain_id = 7, .view = 100, .high_qc_view = 98};
    w.len = 0;
    w_str(&w, "Timeout(uint64 l2ChainId,uint64 view,uint64 highQcView)");
    w_u64(&w, 7);
    w_u64(&w, 100);
    w_u64(&w, 98);
    w_keccak(&want, &w);
    l1_eip712_timeout_hash(&got, &t);
    assert_true(seq_hash_equal(&got, &want));

    l1_attestation_stmt a = {.l2_chain_id = 9,
                             .index = 3,
                             .first_height = 11,
                             .last_height = 20,
                             .forced_cursor = UINT64_MAX - 1};
    fill(&a.prev_batch_hash, 50);
    fill(&a.data_hash, 90);
    w.len = 0;
    w_str(&w, "BatchAttestation(uint64 l2ChainId,uint64 index,bytes32 prevBatchHash,"
              "bytes32 dataHash,uint64 firstHeight,uint64 lastHeight,uint64 forcedCursor)");
    w_u64(&w, 9);
    w_u64(&w, 3);
    w_hash(&w, &a.prev_batch_hash);
    w_hash(&w, &a.data_hash);
    w_u64(&w, 11);
    w_u64(&w, 20);
    w_u64(&w, UINT64_MAX - 1);
    w_keccak(&want, &w);
    l1_eip712_attestation_hash(&got, &a);
    assert_true(seq_hash_equal(&got, &want));
}

static void block_words(seq_hash *out, const l1_block_header *h)
{
    words w = {.len = 0};
    w_u64(&w, h->l2_chain_id);
    w_u64(&w, h->height);
    w_u64(&w, h->view);
    w_hash(&w, &h->parent_hash);
    w_hash(&w, &h->tx_root);
    w_u64(&w, h->l1_origin_number);
    w_hash(&w, &h->l1_origin_hash);
    w_u64(&w, h->forced_cursor);
    w_u64(&w, h->timestamp_ms);
    w_addr(&w, &h->proposer);
    assert_int_equal(w.len, 320);
    w_keccak(out, &w);
}

static void test_block_hash(void **state)
{
    (void)state;
    l1_block_header h = {
        .l2_chain_id = 901,
        .height = 12345,
        .view = 12399,
        .l1_origin_number = 777,
        .forced_cursor = 5,
        .timestamp_ms = 1700000000123ULL,
    };
    fill(&h.parent_hash, 10);
    fill(&h.tx_root, 20);
    fill(&h.l1_origin_hash, 30);
    memset(h.proposer.b, 0xcd, sizeof(h.proposer.b));
    seq_hash want, got;
    block_words(&want, &h);
    l1_block_hash(&got, &h);
    assert_true(seq_hash_equal(&got, &want));

    /* Every field is committed to. */
    for (int field = 0; field < 10; field++) {
        l1_block_header m = h;
        switch (field) {
        case 0:
            m.l2_chain_id++;
            break;
        case 1:
            m.height++;
            break;
        case 2:
            m.view++;
            break;
        case 3:
            m.parent_hash.b[31] ^= 1;
            break;
        case 4:
            m.tx_root.b[0] ^= 0x80;
            break;
        case 5:
            m.l1_origin_number++;
            break;
        case 6:
            m.l1_origin_hash.b[5] ^= 1;
            break;
        case 7:
            m.forced_cursor++;
            break;
        case 8:
            m.timestamp_ms++;
            break;
        default:
            m.proposer.b[19] ^= 1;
            break;
        }
        seq_hash changed;
        l1_block_hash(&changed, &m);
        assert_false(seq_hash_equal(&changed, &got));
        block_words(&want, &m);
        assert_true(seq_hash_equal(&changed, &want));
    }
}

/* Selectors of well-known signatures; CREATE addresses of Foundry's and
 * Hardhat's first dev account, from `cast compute-address` (nonces around
 * the RLP single-byte boundary and above 32 bits). */
static void test_selector_create_address(void **state)
{
    (void)state;
    uint8_t sel[4];
    l1_abi_selector(sel, "transfer(address,uint256)");
    static const uint8_t transfer[4] = {0xa9, 0x05, 0x9c, 0xbb};
    assert_memory_equal(sel, transfer, 4);
    l1_abi_selector(sel, "HighS()");
    seq_hash h;
    l1_keccak256(&h, (const uint8_t *)"HighS()", 7);
    assert_memory_equal(sel, h.b, 4);

    static const struct {
        uint64_t nonce;
        const char *address;
    } cases[] = {
        {0, "0x5FbDB2315678afecb367f032d93F642f64180aa3"},
        {1, "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"},
        {2, "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0"},
        {127, "0x5fc748f1FEb28d7b76fa1c6B07D8ba2d5535177c"},
        {128, "0xB82008565FdC7e44609fA118A4a681E92581e680"},
        {256, "0x3C1Cb427D20F15563aDa8C249E71db76d7183B6c"},
        {4294967296u, "0xF601E625b5A95B8f9134C58D832D99824cb1d771"},
    };
    seq_addr sender;
    assert_int_equal(l1_hex_decode_exact(sender.b, sizeof(sender.b),
                                         "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"),
                     SEQ_OK);
    for (size_t i = 0; i < SEQ_ARRAY_LEN(cases); i++) {
        seq_addr got;
        char text[43];
        l1_create_address(&got, &sender, cases[i].nonce);
        l1_addr_checksum(text, &got);
        assert_string_equal(text, cases[i].address);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_abi_words),        cmocka_unit_test(test_ether_mail),
        cmocka_unit_test(test_domain_type_hash), cmocka_unit_test(test_struct_hashes),
        cmocka_unit_test(test_block_hash),       cmocka_unit_test(test_selector_create_address),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
