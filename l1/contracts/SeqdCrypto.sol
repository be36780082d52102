// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.28;

/// @title SeqdCrypto
/// @notice The EIP-712 types validators sign, the seqd domain and strict ECDSA
///         recovery. Every function is internal, so the library is inlined
///         into Committee and Inbox (no linking, no external library).
library SeqdCrypto {
    /// A signature is not 65 bytes, v is not 27/28, r or s is zero, or
    /// ecrecover found no signer.
    error BadSignature();
    /// s is in the upper half of the group order (a malleated signature).
    error HighS();

    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 internal constant NAME_HASH = keccak256("seqd");
    bytes32 internal constant VERSION_HASH = keccak256("1");

    bytes32 internal constant PROPOSAL_TYPEHASH =
        keccak256("Proposal(uint64 l2ChainId,uint64 view,uint64 height,bytes32 blockHash)");
    bytes32 internal constant VOTE_TYPEHASH =
        keccak256("Vote(uint64 l2ChainId,uint64 view,uint64 height,bytes32 blockHash)");
    bytes32 internal constant TIMEOUT_TYPEHASH = keccak256("Timeout(uint64 l2ChainId,uint64 view,uint64 highQcView)");
    bytes32 internal constant ATTESTATION_TYPEHASH = keccak256(
        "BatchAttestation(uint64 l2ChainId,uint64 index,bytes32 prevBatchHash,bytes32 dataHash,"
        "uint64 firstHeight,uint64 lastHeight,uint64 forcedCursor)"
    );

    /// n / 2 for the secp256k1 group order n; low-s means s <= HALF_ORDER.
    uint256 internal constant HALF_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;

    uint256 internal constant SIGNATURE_BYTES = 65;

    /// The seqd EIP-712 domain separator for the current L1 chain and the
    /// given verifying contract (always the Committee).
    function domainSeparator(address verifyingContract) internal view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, verifyingContract));
    }

    /// keccak256(0x19 0x01 || domainSeparator || structHash).
    function typedDigest(bytes32 separator, bytes32 structHash) internal pure returns (bytes32 digest) {
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, 0x1901000000000000000000000000000000000000000000000000000000000000)
            mstore(add(p, 2), separator)
            mstore(add(p, 34), structHash)
            digest := keccak256(p, 66)
        }
    }

    /// Strict recovery: v in {27, 28}, r and s nonzero, s <= n/2, and a
    /// nonzero recovered address. Reverts with BadSignature or HighS.
    function recover(bytes32 digest, bytes32 r, bytes32 s, uint8 v) internal pure returns (address signer) {
        if (v != 27 && v != 28) revert BadSignature();
        if (r == 0 || s == 0) revert BadSignature();
        if (uint256(s) > HALF_ORDER) revert HighS();
        signer = ecrecover(digest, v, r, s);
        if (signer == address(0)) revert BadSignature();
    }

    /// recover() over one r || s || v signature held in calldata.
    function recoverCalldata(bytes32 digest, bytes calldata sig) internal pure returns (address) {
        if (sig.length != SIGNATURE_BYTES) revert BadSignature();
        bytes32 r;
        bytes32 s;
        uint8 v;
        assembly {
            r := calldataload(sig.offset)
            s := calldataload(add(sig.offset, 32))
            v := byte(0, calldataload(add(sig.offset, 64)))
        }
        return recover(digest, r, s, v);
    }
}
