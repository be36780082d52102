// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

import {SeqdCrypto} from "./SeqdCrypto.sol";

/// @title Committee
/// @notice The seqd validator set of one L2 chain: membership, weights and
///         bonds; the EIP-712 verifying contract of everything validators
///         sign; the quorum check used by the Inbox; and the slasher that
///         turns two conflicting signed statements into a slashed bond.
///
/// Epochs. Epoch e covers L1 blocks [genesisBlock + e*epochLength,
/// genesisBlock + (e+1)*epochLength). Every membership change (add, remove,
/// bond, unbond, slash) is scheduled for the next epoch; the committee of the
/// current epoch never changes. Instead of copying the whole set at each
/// boundary, every validator (and the total weight) keeps a two-entry
/// checkpoint: weightCur applies before epoch nextEpoch, weightNext from
/// nextEpoch on. A change made in epoch c first folds the value in force at c
/// into weightCur, then writes the new weight with nextEpoch = c + 1. As all
/// pending changes target c + 1, the pair describes the committee of every
/// epoch >= c exactly, and a quorum check costs one storage read per signer.
contract Committee {
    // ------------------------------------------------------------- types

    enum Mode {
        Allowlist, // the owner adds and removes members (stage 0 / early stage 1)
        Permissionless // anyone bonds at least minBond to join (one-way switch)
    }

    enum Status {
        None, // never joined, or withdrew its bond
        Active, // member now and/or from the next epoch on
        Unbonding, // left; bond locked until withdrawableAt
        Slashed // bond taken; can never rejoin
    }

    struct Validator {
        // slot 0: the epoch checkpoint read by every quorum check
        uint64 weightCur; // weight in epochs < nextEpoch
        uint64 weightNext; // weight in epochs >= nextEpoch
        uint64 nextEpoch;
        Status status;
        // slot 1
        uint128 bond; // wei
        uint64 withdrawableAt; // L1 block from which an Unbonding validator may withdraw
    }

    struct Totals {
        uint64 cur; // total weight in epochs < nextEpoch
        uint64 next; // total weight in epochs >= nextEpoch
        uint64 nextEpoch;
        uint32 membersNext; // validators with weight > 0 from nextEpoch on
    }

    // ------------------------------------------------------------ limits

    /// Members of one epoch; bounds the signature list of a quorum check.
    uint256 public constant MAX_VALIDATORS = 128;
    /// Largest weight of one validator (the total stays far below 2^64).
    uint64 public constant MAX_WEIGHT = type(uint32).max;
    /// Weight of a validator that joined by bonding.
    uint64 public constant PERMISSIONLESS_WEIGHT = 1;
    /// The burned half of a slashed bond is sent here.
    address public constant BURN_ADDRESS = address(0xdEaD);

    /// Evidence kinds; the numbering is seqd's wire EvidenceKind.
    uint8 public constant KIND_PROPOSAL = 1;
    uint8 public constant KIND_VOTE = 2;
    uint8 public constant KIND_TIMEOUT = 3;
    uint8 public constant KIND_ATTESTATION = 4;

    // ------------------------------------------------------------ errors

    error BadConfig();
    error NotOwner(address caller);
    error NotAllowlistMode();
    error AlreadyPermissionless();
    error NotAllowlisted(address caller);
    error BadWeight(uint64 weight);
    error BadAddress();
    error CommitteeFull();
    error EmptyCommittee();
    error BondTooSmall(uint256 bond, uint256 minBond);
    error NotActive(address validator);
    error NotUnbonding(address validator);
    error IsUnbonding(address validator);
    error StillLocked(uint64 withdrawableAt);
    error TransferFailed();
    // quorum
    error BadSignaturesLength(uint256 length);
    error NotMember(address signer);
    error DuplicateSigner(address signer);
    error SignersNotAscending(address previous, address signer);
    error InsufficientQuorum(uint256 signedWeight, uint256 totalWeight);
    // evidence
    error UnknownKind(uint8 kind);
    error BadStatement();
    error WrongChainId(uint64 chainId);
    error ViewMismatch(uint64 viewA, uint64 viewB);
    error IndexMismatch(uint64 indexA, uint64 indexB);
    error SameContent();
    error SignerMismatch(address signerA, address signerB);
    error NotValidator(address signer);
    error AlreadySlashed(address validator);

    // ------------------------------------------------------------ events

    /// The weight of validator becomes `weight` from epoch `effectiveEpoch`
    /// on (0 = leaves the committee); totalWeight is that epoch's total.
    event CommitteeChanged(address indexed validator, uint64 weight, uint64 indexed effectiveEpoch, uint64 totalWeight);
    event Bonded(address indexed validator, uint256 amount, uint256 bond);
    event UnbondingStarted(address indexed validator, uint64 exitEpoch, uint64 withdrawableAt);
    event Withdrawn(address indexed validator, uint256 amount);
    event BondingOpened(uint64 epoch);
    event EvidenceAccepted(
        uint8 indexed kind, address indexed validator, address indexed reporter, bytes32 digestA, bytes32 digestB
    );
    event ValidatorSlashed(
        address indexed validator, uint256 bond, uint256 burned, uint256 reward, address reporter, uint64 exitEpoch
    );

    // ------------------------------------------------------------- state

    uint64 public immutable l2ChainId;
    uint64 public immutable epochLength; // L1 blocks
    uint64 public immutable evidenceWindow; // L1 blocks
    uint64 public immutable unbondingDelay; // L1 blocks, > evidenceWindow
    uint256 public immutable minBond; // wei, permissionless joining
    uint256 public immutable genesisBlock;
    uint256 private immutable cachedChainId;
    bytes32 private immutable cachedDomainSeparator;

    address public owner;
    Mode public mode;
    Totals private totals;
    mapping(address => Validator) private validators;

    /// members/weights: the committee of epoch 0 (weights in 1..MAX_WEIGHT,
    /// no duplicates). Genesis members start with a zero bond; they add one
    /// with bond().
    constructor(
        uint64 l2ChainId_,
        uint64 epochLength_,
        uint64 evidenceWindow_,
        uint64 unbondingDelay_,
        uint256 minBond_,
        address[] memory members,
        uint64[] memory weights
    ) {
        if (epochLength_ == 0 || unbondingDelay_ <= evidenceWindow_) revert BadConfig();
        if (members.length != weights.length || members.length == 0) revert BadConfig();
        if (members.length > MAX_VALIDATORS) revert CommitteeFull();
        l2ChainId = l2ChainId_;
        epochLength = epochLength_;
        evidenceWindow = evidenceWindow_;
        unbondingDelay = unbondingDelay_;
        minBond = minBond_;
        genesisBlock = block.number;
        owner = msg.sender;
        cachedChainId = block.chainid;
        cachedDomainSeparator = SeqdCrypto.domainSeparator(address(this));

        uint64 total;
        for (uint256 i; i < members.length; ++i) {
            address m = members[i];
            uint64 w = weights[i];
            if (m == address(0)) revert BadAddress();
            if (w == 0 || w > MAX_WEIGHT) revert BadWeight(w);
            Validator storage v = validators[m];
            if (v.status != Status.None) revert BadConfig(); // duplicate
            v.weightCur = w;
            v.weightNext = w;
            v.status = Status.Active;
            total += w;
        }
        totals = Totals({cur: total, next: total, nextEpoch: 0, membersNext: uint32(members.length)});
        for (uint256 i; i < members.length; ++i) {
            emit CommitteeChanged(members[i], weights[i], 0, total);
        }
    }

    // ------------------------------------------------------------ epochs

    function currentEpoch() public view returns (uint64) {
        return uint64((block.number - genesisBlock) / epochLength);
    }

    function epochStartBlock(uint64 epoch) public view returns (uint256) {
        return genesisBlock + uint256(epoch) * epochLength;
    }

    /// Weight of `validator` in `epoch`; meaningful for the current and
    /// later epochs (older epochs are not kept on chain: follow
    /// CommitteeChanged logs for history).
    function weightAt(address validator, uint64 epoch) public view returns (uint64) {
        Validator storage v = validators[validator];
        return epoch >= v.nextEpoch ? v.weightNext : v.weightCur;
    }

    /// Total weight in `epoch` (current or later).
    function totalWeightAt(uint64 epoch) public view returns (uint64) {
        Totals memory t = totals;
        return epoch >= t.nextEpoch ? t.next : t.cur;
    }

    function isMember(address validator) external view returns (bool) {
        return weightAt(validator, currentEpoch()) != 0;
    }

    /// Everything known about one validator: status, weight in the current
    /// and the next epoch, bond (wei) and the block it may withdraw from.
    function validatorInfo(address validator)
        external
        view
        returns (Status status, uint64 weight, uint64 weightNext, uint256 bondWei, uint64 withdrawableAt)
    {
        Validator storage v = validators[validator];
        uint64 e = currentEpoch();
        return (v.status, weightAt(validator, e), weightAt(validator, e + 1), v.bond, v.withdrawableAt);
    }

    // ----------------------------------------------------------- EIP-712

    function domainSeparator() public view returns (bytes32) {
        if (block.chainid == cachedChainId) return cachedDomainSeparator;
        return SeqdCrypto.domainSeparator(address(this));
    }

    /// The EIP-712 digest of one ABI-encoded statement of `kind` (the same
    /// checks as submitEvidence: length, canonical uint64 words).
    function statementDigest(uint8 kind, bytes calldata statement) external view returns (bytes32 digest) {
        (,, digest) = _statement(kind, statement);
    }

    // ------------------------------------------------------------ quorum

    /// Checks that `signatures` (r || s || v, 65 bytes each) over `digest`
    /// come from members of the current epoch's committee in strictly
    /// ascending address order and carry more than 2/3 of its weight.
    /// Stops at the first signature that reaches the quorum; later bytes are
    /// ignored. Returns the weight counted; reverts with a specific error
    /// otherwise.
    function verifyQuorum(bytes32 digest, bytes calldata signatures) external view returns (uint256 signedWeight) {
        uint256 length = signatures.length;
        if (length % SeqdCrypto.SIGNATURE_BYTES != 0) revert BadSignaturesLength(length);
        uint64 epoch = currentEpoch();
        uint256 total = totalWeightAt(epoch);
        address previous;
        for (uint256 offset; offset < length; offset += SeqdCrypto.SIGNATURE_BYTES) {
            bytes32 r;
            bytes32 s;
            uint8 v;
            assembly {
                let p := add(signatures.offset, offset)
                r := calldataload(p)
                s := calldataload(add(p, 32))
                v := byte(0, calldataload(add(p, 64)))
            }
            address signer = SeqdCrypto.recover(digest, r, s, v);
            if (signer <= previous) {
                if (signer == previous) revert DuplicateSigner(signer);
                revert SignersNotAscending(previous, signer);
            }
            uint256 w = weightAt(signer, epoch);
            if (w == 0) revert NotMember(signer);
            signedWeight += w;
            if (signedWeight * 3 > total * 2) return signedWeight;
            previous = signer;
        }
        revert InsufficientQuorum(signedWeight, total);
    }

    // -------------------------------------------------------- membership

    modifier onlyOwnerAllowlist() {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        if (mode != Mode.Allowlist) revert NotAllowlistMode();
        _;
    }

    /// Allowlist mode, owner only: adds `validator` (or changes its weight)
    /// from the next epoch on. Re-adding a member that is unbonding cancels
    /// its unbonding.
    function addMember(address validator, uint64 weight) external onlyOwnerAllowlist {
        if (validator == address(0)) revert BadAddress();
        if (weight == 0 || weight > MAX_WEIGHT) revert BadWeight(weight);
        Validator storage v = validators[validator];
        if (v.status == Status.Slashed) revert AlreadySlashed(validator);
        v.status = Status.Active;
        v.withdrawableAt = 0;
        _scheduleWeight(validator, v, weight);
    }

    /// Allowlist mode, owner only: removes `validator` from the next epoch
    /// on; its bond unlocks like after unbond().
    function removeMember(address validator) external onlyOwnerAllowlist {
        Validator storage v = validators[validator];
        if (v.status != Status.Active) revert NotActive(validator);
        _startUnbonding(validator, v);
    }

    /// Owner only, one way: from now on anyone may join by bonding minBond
    /// and the owner has no say over membership any more.
    function openBonding() external {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        if (mode == Mode.Permissionless) revert AlreadyPermissionless();
        mode = Mode.Permissionless;
        emit BondingOpened(currentEpoch());
    }

    /// Adds msg.value to the caller's bond. A member tops up in either mode;
    /// in permissionless mode a newcomer whose bond reaches minBond joins
    /// the next epoch's committee with PERMISSIONLESS_WEIGHT.
    function bond() external payable {
        Validator storage v = validators[msg.sender];
        if (v.status == Status.Slashed) revert AlreadySlashed(msg.sender);
        if (v.status == Status.Unbonding) revert IsUnbonding(msg.sender);
        // ETH supply is far below 2^128, so the sum cannot be truncated.
        uint256 newBond = uint256(v.bond) + msg.value;
        if (v.status == Status.None) {
            if (mode != Mode.Permissionless) revert NotAllowlisted(msg.sender);
            if (newBond < minBond || newBond == 0) revert BondTooSmall(newBond, minBond);
            v.status = Status.Active;
            _scheduleWeight(msg.sender, v, PERMISSIONLESS_WEIGHT);
        }
        v.bond = uint128(newBond);
        emit Bonded(msg.sender, msg.value, newBond);
    }

    /// Leaves the committee at the next epoch boundary. The bond stays
    /// slashable until withdrawableAt = start of the next epoch +
    /// unbondingDelay: the last signature the validator can make as a member
    /// is before that boundary, and unbondingDelay > evidenceWindow.
    function unbond() external {
        Validator storage v = validators[msg.sender];
        if (v.status != Status.Active) revert NotActive(msg.sender);
        _startUnbonding(msg.sender, v);
    }

    /// Pays out the bond of an unbonding validator once it has unlocked.
    function withdraw() external {
        Validator storage v = validators[msg.sender];
        if (v.status != Status.Unbonding) revert NotUnbonding(msg.sender);
        if (block.number < v.withdrawableAt) revert StillLocked(v.withdrawableAt);
        uint256 amount = v.bond;
        v.bond = 0;
        v.withdrawableAt = 0;
        v.status = Status.None;
        emit Withdrawn(msg.sender, amount);
        _send(msg.sender, amount);
    }

    // ---------------------------------------------------------- slashing

    /// Slashes the signer of two conflicting statements of one kind.
    /// `a` and `b` are abi.encode of the struct fields in EIP-712 order:
    /// kind 1 Proposal / 2 Vote: (uint64 l2ChainId, uint64 view, uint64 height, bytes32 blockHash)
    /// kind 3 Timeout: (uint64 l2ChainId, uint64 view, uint64 highQcView)
    /// kind 4 BatchAttestation: (uint64 l2ChainId, uint64 index, bytes32 prevBatchHash,
    ///        bytes32 dataHash, uint64 firstHeight, uint64 lastHeight, uint64 forcedCursor)
    /// Both must carry this committee's l2ChainId, the same view (batch index
    /// for attestations), different contents, and strict signatures by the
    /// same validator. Half of the bond is burned, half paid to msg.sender;
    /// the validator leaves the committee at the next epoch and can never be
    /// slashed again.
    function submitEvidence(uint8 kind, bytes calldata a, bytes calldata sigA, bytes calldata b, bytes calldata sigB)
        external
    {
        (bytes32 digestA, bytes32 digestB) = _conflictingDigests(kind, a, b);
        address signer = SeqdCrypto.recoverCalldata(digestA, sigA);
        address signerB = SeqdCrypto.recoverCalldata(digestB, sigB);
        if (signer != signerB) revert SignerMismatch(signer, signerB);
        _slash(kind, signer, digestA, digestB);
    }

    // ---------------------------------------------------------- internal

    /// Makes `weight` the validator's weight from the next epoch on, keeping
    /// the current epoch's committee intact. Returns the next epoch.
    function _scheduleWeight(address validator, Validator storage v, uint64 weight) private returns (uint64 next) {
        uint64 epoch = currentEpoch();
        next = epoch + 1;
        // Pending changes always target epoch + 1 at the latest, so
        // weightNext is the weight already scheduled for `next`.
        uint64 oldNext = v.weightNext;
        v.weightCur = epoch >= v.nextEpoch ? v.weightNext : v.weightCur;
        v.weightNext = weight;
        v.nextEpoch = next;

        Totals memory t = totals;
        t.cur = epoch >= t.nextEpoch ? t.next : t.cur;
        t.next = t.next - oldNext + weight;
        t.nextEpoch = next;
        if (oldNext == 0 && weight != 0) {
            if (t.membersNext >= MAX_VALIDATORS) revert CommitteeFull();
            ++t.membersNext;
        } else if (oldNext != 0 && weight == 0) {
            --t.membersNext;
        }
        totals = t;
        emit CommitteeChanged(validator, weight, next, t.next);
    }

    function _startUnbonding(address validator, Validator storage v) private {
        uint64 exitEpoch = _scheduleWeight(validator, v, 0);
        // Voluntary exits never leave the next epoch without a committee;
        // only slashing may (safety first).
        if (totals.membersNext == 0) revert EmptyCommittee();
        uint64 unlock = uint64(epochStartBlock(exitEpoch) + unbondingDelay);
        v.status = Status.Unbonding;
        v.withdrawableAt = unlock;
        emit UnbondingStarted(validator, exitEpoch, unlock);
    }

    /// Validates one ABI-encoded statement and returns its chain id, its
    /// conflict key (view, or batch index) and its EIP-712 digest.
    /// Digests of two statements of `kind` that conflict: this chain,
    /// same view (batch index for attestations), different contents.
    function _conflictingDigests(uint8 kind, bytes calldata a, bytes calldata b)
        private
        view
        returns (bytes32 digestA, bytes32 digestB)
    {
        (uint64 chainA, uint64 keyA, bytes32 dA) = _statement(kind, a);
        (uint64 chainB, uint64 keyB, bytes32 dB) = _statement(kind, b);
        if (chainA != l2ChainId) revert WrongChainId(chainA);
        if (chainB != l2ChainId) revert WrongChainId(chainB);
        if (keyA != keyB) {
            if (kind == KIND_ATTESTATION) revert IndexMismatch(keyA, keyB);
            revert ViewMismatch(keyA, keyB);
        }
        // Same kind and canonical encodings: equal digests <=> equal contents.
        if (dA == dB) revert SameContent();
        return (dA, dB);
    }

    function _slash(uint8 kind, address signer, bytes32 digestA, bytes32 digestB) private {
        Validator storage v = validators[signer];
        if (v.status == Status.Slashed) revert AlreadySlashed(signer);
        if (v.status == Status.None) revert NotValidator(signer);
        uint256 amount = v.bond;
        v.bond = 0;
        v.withdrawableAt = 0;
        v.status = Status.Slashed;
        uint64 exitEpoch = _scheduleWeight(signer, v, 0);
        uint256 reward = amount / 2;
        uint256 burned = amount - reward;
        emit EvidenceAccepted(kind, signer, msg.sender, digestA, digestB);
        emit ValidatorSlashed(signer, amount, burned, reward, msg.sender, exitEpoch);
        _send(BURN_ADDRESS, burned);
        _send(msg.sender, reward);
    }

    function _statement(uint8 kind, bytes calldata s)
        private
        view
        returns (uint64 chainId, uint64 key, bytes32 digest)
    {
        bytes32 typeHash;
        // Bit i set <=> word i is a uint64 field that must be canonical.
        uint256 uintWords;
        uint256 length;
        if (kind == KIND_PROPOSAL) {
            (typeHash, uintWords, length) = (SeqdCrypto.PROPOSAL_TYPEHASH, 0x07, 128);
        } else if (kind == KIND_VOTE) {
            (typeHash, uintWords, length) = (SeqdCrypto.VOTE_TYPEHASH, 0x07, 128);
        } else if (kind == KIND_TIMEOUT) {
            (typeHash, uintWords, length) = (SeqdCrypto.TIMEOUT_TYPEHASH, 0x07, 96);
        } else if (kind == KIND_ATTESTATION) {
            (typeHash, uintWords, length) = (SeqdCrypto.ATTESTATION_TYPEHASH, 0x73, 224);
        } else {
            revert UnknownKind(kind);
        }
        if (s.length != length) revert BadStatement();
        for (uint256 i; i < length / 32; ++i) {
            if ((uintWords >> i) & 1 == 0) continue;
            uint256 word;
            assembly {
                word := calldataload(add(s.offset, mul(i, 32)))
            }
            if (word >> 64 != 0) revert BadStatement();
        }
        uint256 w0;
        uint256 w1;
        assembly {
            w0 := calldataload(s.offset)
            w1 := calldataload(add(s.offset, 32))
        }
        chainId = uint64(w0);
        key = uint64(w1);
        // hashStruct = keccak256(typeHash || the statement's words).
        bytes32 structHash = keccak256(abi.encodePacked(typeHash, s));
        digest = SeqdCrypto.typedDigest(domainSeparator(), structHash);
    }

    function _send(address to, uint256 amount) private {
        if (amount == 0) return;
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert TransferFailed();
    }
}
