#!/usr/bin/env python3
"""Checks a sharegate evidence file by hand: python3 docs/check-evidence.py EVIDENCE.json log-signing.pub

Only Python's standard library for the hashes and the `openssl` command for the signature (Ed25519): nothing of
sharegate. What it checks, and why each step, is in docs/evidence.md. Exit 0 when the evidence holds, 1 when not.
"""
import datetime
import hashlib
import json
import subprocess
import sys
import tempfile


def fail(why):
    print("FAILED: " + why)
    sys.exit(1)


def node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_path(leaf, index, size, path):
    """RFC 9162, section 2.1.3.2: the root that `path` leads to from `leaf` at `index` in a tree of `size`."""
    if index >= size:
        fail("the entry's position is outside the checkpoint")
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            fail("the path is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        fail("the path is shorter than the tree is deep")
    return r


def main(evidence_file, public_key_pem):
    with open(evidence_file, encoding="utf-8") as f:
        evidence = json.load(f)
    if evidence.get("format") != "sharegate-evidence-v1":
        fail("not a sharegate-evidence-v1 file")
    proof = evidence["proof"]
    entry = json.loads(proof["entry"])
    if entry["seq"] != proof["index"] or entry["index"]["id"] != proof["disclosure_id"]:
        fail("the entry's text is not the disclosure and position the proof names")

    # 1. The entry's leaf hash: SHA-256 of a zero byte and the entry's exact text.
    leaf = hashlib.sha256(b"\x00" + proof["entry"].encode("utf-8")).digest()
    if leaf.hex() != proof["leaf_hash"]:
        fail("the entry's text does not hash to its leaf hash")

    # 2. The path leads from the leaf to the checkpoint's root.
    checkpoint = proof["checkpoint"]
    path = [bytes.fromhex(h) for h in proof["proof"]]
    if root_from_path(leaf, proof["index"], checkpoint["size"], path).hex() != checkpoint["root"]:
        fail("the path does not lead from the entry to the checkpoint's root")

    # 3. The checkpoint is signed with the key you hold: its time with exactly six decimals, as signed.
    at = datetime.datetime.fromisoformat(checkpoint["at"].replace("Z", "+00:00")).astimezone(datetime.timezone.utc)
    message = "sharegate-checkpoint-v1\n%d\n%s\n%s" % (
        checkpoint["size"], checkpoint["root"], at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    with tempfile.NamedTemporaryFile() as m, tempfile.NamedTemporaryFile() as s:
        m.write(message.encode("utf-8"))
        m.flush()
        s.write(bytes.fromhex(checkpoint["signature"]))
        s.flush()
        checked = subprocess.run(
            ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", public_key_pem, "-rawin", "-in", m.name,
             "-sigfile", s.name], capture_output=True)
    if checked.returncode != 0:
        fail("the checkpoint is not signed by the key given")
    print("the evidence holds: disclosure %s is entry %d of the log signed by the key given"
          % (proof["disclosure_id"], proof["index"]))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    main(sys.argv[1], sys.argv[2])
