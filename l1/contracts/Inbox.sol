// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {SeqdCrypto} from "./SeqdCrypto.sol";
import {Committee} from "./Committee.sol";

/// @title Inbox
/// @notice The ordered chain of quorum-signed batches of one L2 chain, and
///         its forced-inclusion queue.
///
/// Batch hash. A batch is identified by the EIP-712 hashStruct of its
/// BatchAttestation: keccak256(abi.encode(BATCH_ATTESTATION_TYPEHASH,
/// l2ChainId, index, prevBatchHash, dataHash, firstHeight, lastHeight,
/// forcedCursor)). The header's forcedAcc is not part of it: it is a
/// function of forcedCursor and the queue, checked on posting.
///
/// Forced queue. Entry i (0-based) = keccak256(abi.encode(i, sender,
/// l1Block, l1Timestamp, keccak256(tx))); acc_0 = 0 and
/// acc_{i+1} = keccak256(abi.encode(acc_i, entry_i)). A batch with
/// forcedCursor = k has consumed entries 0..k-1 and carries acc_k.
contract Inbox {
    struct BatchHeader {
        uint64 l2ChainId;
        uint64 index;
        bytes32 prevBatchHash;
        bytes32 dataHash;
        uint64 firstHeight;
        uint64 lastHeight;
        uint64 forcedCursor;
        bytes32 forcedAcc; // acc_{forcedCursor}; not signed (implied by forcedCursor)
    }

    /// Everything postBatch reads and writes besides the batch hash: one slot.
    struct Head {
        uint64 nextIndex; // index the next batch must carry
        uint64 forcedConsumed; // forcedCursor of the last accepted batch
        uint64 forcedCount; // entries ever queued
        uint64 nextHeight; // firstHeight the next committee batch must carry; 0 = none posted yet
    }

    uint256 public constant MAX_BATCH_BYTES = 128 * 1024;
    uint256 public constant MAX_FORCED_TX_CAP = 128 * 1024;
    /// keccak256("") — dataHash of the empty batch appended by forceAdvance.
    bytes32 public constant EMPTY_DATA_HASH = keccak256("");

    error BadConfig();
    error WrongChainId(uint64 chainId);
    error BadIndex(uint64 expected, uint64 got);
    error BadPrevBatchHash(bytes32 expected, bytes32 got);
    error BatchTooLarge(uint256 length);
    error BadDataHash(bytes32 computed, bytes32 got);
    error BadHeightRange(uint64 firstHeight, uint64 lastHeight);
    error HeightGap(uint64 expected, uint64 got);
    error CursorBackwards(uint64 consumed, uint64 got);
    error CursorBeyondQueue(uint64 count, uint64 got);
    error BadForcedAcc(bytes32 expected, bytes32 got);
    error ForcedTxOverdue(uint64 entry, uint64 queuedAt);
    error FeeTooLow(uint256 paid, uint256 fee);
    error BadForcedTxSize(uint256 length, uint256 max);
    error NothingToForce();
    error ForceAdvanceTooEarly(uint64 allowedFrom);

    event BatchPosted(
        uint64 indexed index,
        bytes32 indexed batchHash,
        bytes32 dataHash,
        uint64 firstHeight,
        uint64 lastHeight,
        uint64 forcedCursor,
        address poster
    );
    event ForcedTxQueued(
        uint64 indexed index,
        address indexed sender,
        uint256 l1Block,
        uint256 l1Timestamp,
        bytes32 txHash,
        bytes32 acc,
        bytes txData
    );
    event ForceAdvanced(uint64 indexed index, bytes32 batchHash, uint64 fromCursor, uint64 toCursor, address caller);

    Committee public immutable committee;
    uint64 public immutable l2ChainId;
    /// An entry queued at block q must be consumed by a batch posted at a
    /// block <= q + inclusionWindow.
    uint64 public immutable inclusionWindow;
    /// forceAdvance works from block q + inclusionWindow + forceGrace + 1.
    uint64 public immutable forceGrace;
    uint256 public immutable forceFee; // wei; stays in the Inbox (no withdrawal path)
    uint256 public immutable maxForcedTxBytes;
    uint256 private immutable cachedChainId;
    bytes32 private immutable cachedDomainSeparator;

    Head private head;
    bytes32 public lastBatchHash; // 0 before the first batch
    mapping(uint256 => bytes32) private accAt; // accAt[k] = acc_k (acc_0 = 0 is never written)
    mapping(uint256 => uint64) private queuedAt; // L1 block of entry i

    constructor(
        Committee committee_,
        uint64 inclusionWindow_,
        uint64 forceGrace_,
        uint256 forceFee_,
        uint256 maxForcedTxBytes_
    ) {
        if (address(committee_).code.length == 0) revert BadConfig();
        if (inclusionWindow_ == 0 || maxForcedTxBytes_ == 0 || maxForcedTxBytes_ > MAX_FORCED_TX_CAP) {
            revert BadConfig();
        }
        committee = committee_;
        l2ChainId = committee_.l2ChainId();
        inclusionWindow = inclusionWindow_;
        forceGrace = forceGrace_;
        forceFee = forceFee_;
        maxForcedTxBytes = maxForcedTxBytes_;
        cachedChainId = block.chainid;
        cachedDomainSeparator = SeqdCrypto.domainSeparator(address(committee_));
    }

    // ------------------------------------------------------------- views

    /// (nextIndex, lastBatchHash, forcedConsumed, forcedCount, nextHeight).
    function status() external view returns (uint64, bytes32, uint64, uint64, uint64) {
        Head memory h = head;
        return (h.nextIndex, lastBatchHash, h.forcedConsumed, h.forcedCount, h.nextHeight);
    }

    /// acc_k, the accumulator after the first k entries (k <= forcedCount).
    function forcedAccAt(uint64 k) external view returns (bytes32) {
        if (k > head.forcedCount) revert CursorBeyondQueue(head.forcedCount, k);
        return accAt[k];
    }

    /// L1 block at which entry i was queued.
    function forcedQueuedAt(uint64 i) external view returns (uint64) {
        if (i >= head.forcedCount) revert CursorBeyondQueue(head.forcedCount, i);
        return queuedAt[i];
    }

    /// The seqd domain (verifyingContract = the Committee).
    function domainSeparator() public view returns (bytes32) {
        if (block.chainid == cachedChainId) return cachedDomainSeparator;
        return SeqdCrypto.domainSeparator(address(committee));
    }

    function batchHash(BatchHeader calldata h) public pure returns (bytes32) {
        return _batchHash(h.l2ChainId, h.index, h.prevBatchHash, h.dataHash, h.firstHeight, h.lastHeight, h.forcedCursor);
    }

    /// The digest every validator signs for this header.
    function attestationDigest(BatchHeader calldata h) external view returns (bytes32) {
        return SeqdCrypto.typedDigest(domainSeparator(), batchHash(h));
    }

    // ----------------------------------------------------------- batches

    /// Appends batch h.index. Reverts unless it is the next index, chains
    /// from the last accepted batch, `data` hashes to h.dataHash, the
    /// heights continue the previous committee batch, the forced cursor is
    /// valid and leaves no overdue entry, and `signatures` carry a quorum of
    /// the current committee over the BatchAttestation digest (see
    /// Committee.verifyQuorum for the signature list format).
    function postBatch(BatchHeader calldata h, bytes calldata data, bytes calldata signatures) external {
        if (h.l2ChainId != l2ChainId) revert WrongChainId(h.l2ChainId);
        Head memory st = head;
        if (h.index != st.nextIndex) revert BadIndex(st.nextIndex, h.index);
        bytes32 prev = lastBatchHash;
        if (h.prevBatchHash != prev) revert BadPrevBatchHash(prev, h.prevBatchHash);
        if (data.length > MAX_BATCH_BYTES) revert BatchTooLarge(data.length);
        bytes32 computed = keccak256(data);
        if (computed != h.dataHash) revert BadDataHash(computed, h.dataHash);
        uint64 first = h.firstHeight;
        uint64 last = h.lastHeight;
        if (last < first || last == type(uint64).max) revert BadHeightRange(first, last);
        if (st.nextHeight != 0 && first != st.nextHeight) revert HeightGap(st.nextHeight, first);
        uint64 cursor = h.forcedCursor;
        _checkForced(st, cursor, h.forcedAcc);

        bytes32 hash = _batchHash(l2ChainId, st.nextIndex, prev, computed, first, last, cursor);
        committee.verifyQuorum(SeqdCrypto.typedDigest(domainSeparator(), hash), signatures);

        head = Head({nextIndex: st.nextIndex + 1, forcedConsumed: cursor, forcedCount: st.forcedCount, nextHeight: last + 1});
        lastBatchHash = hash;
        emit BatchPosted(st.nextIndex, hash, computed, first, last, cursor, msg.sender);
    }

    // -------------------------------------------------- forced inclusion

    /// Queues `txData` for forced inclusion; pays at least forceFee. The
    /// full transaction is only in the ForcedTxQueued event.
    function forceInclude(bytes calldata txData) external payable returns (uint64 index) {
        if (msg.value < forceFee) revert FeeTooLow(msg.value, forceFee);
        if (txData.length == 0 || txData.length > maxForcedTxBytes) {
            revert BadForcedTxSize(txData.length, maxForcedTxBytes);
        }
        index = head.forcedCount;
        bytes32 txHash = keccak256(txData);
        bytes32 entry = keccak256(abi.encode(index, msg.sender, block.number, block.timestamp, txHash));
        bytes32 acc = keccak256(abi.encode(accAt[index], entry));
        accAt[uint256(index) + 1] = acc;
        queuedAt[index] = uint64(block.number);
        head.forcedCount = index + 1;
        emit ForcedTxQueued(index, msg.sender, block.number, block.timestamp, txHash, acc, txData);
    }

    /// Escape hatch, callable by anyone once the oldest unconsumed entry was
    /// queued more than inclusionWindow + forceGrace blocks ago: appends an
    /// empty batch (index = next, prevBatchHash = last, dataHash =
    /// keccak256(""), firstHeight = lastHeight = 0) whose forcedCursor
    /// consumes every entry older than inclusionWindow. The committee's next
    /// batch chains from it. Cost is O(log queue) (binary search).
    function forceAdvance() external {
        Head memory st = head;
        uint64 from = st.forcedConsumed;
        if (from == st.forcedCount) revert NothingToForce();
        uint256 allowedFrom = uint256(queuedAt[from]) + inclusionWindow + forceGrace + 1;
        if (block.number < allowedFrom) revert ForceAdvanceTooEarly(uint64(allowedFrom));

        // Entries are queued in block order, so the overdue ones form a
        // prefix; find its end in (from, forcedCount].
        uint64 lo = from + 1;
        uint64 hi = st.forcedCount;
        while (lo < hi) {
            uint64 mid = lo + (hi - lo) / 2;
            if (_overdue(mid)) lo = mid + 1;
            else hi = mid;
        }
        uint64 to = lo;

        bytes32 hash = _batchHash(l2ChainId, st.nextIndex, lastBatchHash, EMPTY_DATA_HASH, 0, 0, to);
        head = Head({nextIndex: st.nextIndex + 1, forcedConsumed: to, forcedCount: st.forcedCount, nextHeight: st.nextHeight});
        lastBatchHash = hash;
        emit BatchPosted(st.nextIndex, hash, EMPTY_DATA_HASH, 0, 0, to, msg.sender);
        emit ForceAdvanced(st.nextIndex, hash, from, to, msg.sender);
    }

    // ---------------------------------------------------------- internal

    function _overdue(uint64 i) private view returns (bool) {
        return block.number > uint256(queuedAt[i]) + inclusionWindow;
    }

    /// The cursor moves forward, stays within the queue, comes with the
    /// right accumulator, and leaves no overdue entry behind. Only the
    /// oldest unconsumed entry needs checking: entries are in block order.
    function _checkForced(Head memory st, uint64 cursor, bytes32 acc) private view {
        if (cursor < st.forcedConsumed) revert CursorBackwards(st.forcedConsumed, cursor);
        if (cursor > st.forcedCount) revert CursorBeyondQueue(st.forcedCount, cursor);
        bytes32 expected = cursor == 0 ? bytes32(0) : accAt[cursor];
        if (acc != expected) revert BadForcedAcc(expected, acc);
        if (cursor < st.forcedCount && _overdue(cursor)) revert ForcedTxOverdue(cursor, queuedAt[cursor]);
    }

    function _batchHash(
        uint64 chainId,
        uint64 index,
        bytes32 prevBatchHash,
        bytes32 dataHash,
        uint64 firstHeight,
        uint64 lastHeight,
        uint64 forcedCursor
    ) private pure returns (bytes32) {
        return keccak256(
            abi.encode(
                SeqdCrypto.ATTESTATION_TYPEHASH,
                chainId,
                index,
                prevBatchHash,
                dataHash,
                firstHeight,
                lastHeight,
                forcedCursor
            )
        );
    }
}
