#!/usr/bin/env python3
"""Independent offline verifier for a `changeledger audit export` directory.

Written from VERIFY.md alone (Python's hashlib and the `openssl` command, no
Changeledger code), so a third party can check the format is sufficient.
Exit 0: intact; 1: tampered (prints the first bad sequence number); 2: error.
Usage: verify_audit_export.py EXPORT_DIR [TRUSTED_KEY_ID] [--tsa-ca CA_PEM]
       verify_audit_export.py --proof PROOF_FILE [TRUSTED_KEY_ID]   (from `audit prove` / `audit consistency`)
"""
import base64
import binascii
import datetime
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def key_id(raw):
    return "ed25519:" + base64.urlsafe_b64encode(hashlib.sha256(raw).digest()[:16]).decode().rstrip("=")


def decode_sig(text):
    try:
        if len(text) == 128:
            return binascii.unhexlify(text)
    except binascii.Error:
        pass
    return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_" if ("-" in text or "_" in text) else None)


def ed25519_verify(pem_path, message, signature):
    with tempfile.TemporaryDirectory() as tmp:
        msg, sig = os.path.join(tmp, "msg"), os.path.join(tmp, "sig")
        open(msg, "wb").write(message)
        open(sig, "wb").write(signature)
        r = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", pem_path, "-rawin",
                            "-in", msg, "-sigfile", sig], capture_output=True)
        return r.returncode == 0


def leaf_hash(entry):
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def mth(leaves):
    """RFC 9162 section 2.1.1, literally."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def checkpoint_message(cp):
    if "version" in cp:
        if cp["version"] != 2:
            return None
        return canonical({"type": "changeledger.audit.checkpoint.v2", "seq": cp["seq"], "hash": cp["hash"],
                          "root": cp["root"], "prev": cp["prev"], "signed_at": cp["signed_at"],
                          "key_id": cp["key_id"]})
    return canonical({"type": "changeledger.audit.checkpoint.v1", "seq": cp["seq"],
                      "hash": cp["hash"], "signed_at": cp["signed_at"], "key_id": cp["key_id"]})


def bad(seq, why):
    print(f"TAMPERED: first bad sequence number {seq}: {why}")
    sys.exit(1)


def verify_inclusion(index, size, leaf, path, root):
    """RFC 9162 section 2.1.3.2, step by step."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(first, second, first_hash, second_hash, path):
    """RFC 9162 section 2.1.4.2, step by step."""
    if first == second:
        return not path and first_hash == second_hash
    if not path or first > second or first < 1:
        return False
    if first & (first - 1) == 0:
        path = [first_hash] + path
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_hash and sr == second_hash and sn == 0


def verify_proof(path, trusted):
    proof = json.load(open(path, encoding="utf-8"))
    cp, key = proof["checkpoint"], proof["key"]
    raw = base64.b64decode(key["public_key"])
    if key_id(raw) != cp["key_id"] or (trusted is not None and cp["key_id"] != trusted):
        print("FAILED: the checkpoint's key is not the trusted one")
        sys.exit(1)
    with tempfile.TemporaryDirectory() as tmp:
        der = os.path.join(tmp, "k.der")
        open(der, "wb").write(bytes.fromhex("302a300506032b6570032100") + raw)
        pem = os.path.join(tmp, "k.pem")
        subprocess.run(["openssl", "pkey", "-pubin", "-inform", "DER", "-in", der, "-out", pem], check=True)
        msg = checkpoint_message(cp)
        if msg is None or "version" not in cp or not ed25519_verify(pem, msg, decode_sig(cp["signature"])):
            print("FAILED: the checkpoint's signature does not verify")
            sys.exit(1)
    hops = [bytes.fromhex(h) for h in proof["path"]]
    root, size = bytes.fromhex(cp["root"]), cp["seq"]
    if proof["type"] == "changeledger.audit.inclusion-proof.v1":
        e = proof["event"]
        h = hashlib.sha256(bytes.fromhex(proof["prev_hash"]) + e["body"].encode("utf-8")).digest()
        if h.hex() != e["hash"] or not verify_inclusion(e["seq"] - 1, size, leaf_hash(h), hops, root):
            print(f"FAILED: event {e['seq']} is not proven in the tree of {size}")
            sys.exit(1)
        print(f"OK: event {e['seq']} is in the tree of {size} events the checkpoint signs")
    elif proof["type"] == "changeledger.audit.consistency-proof.v1":
        first = proof["first"]
        if not verify_consistency(first["tree_size"], size, bytes.fromhex(first["root"]), root, hops):
            print(f"FAILED: the tree of {size} does not extend the kept head of {first['tree_size']}")
            sys.exit(1)
        print(f"OK: the tree of {size} events extends the kept head of {first['tree_size']}")
    else:
        print("FAILED: unknown proof type")
        sys.exit(1)


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "--proof":
        verify_proof(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
        return
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    args = sys.argv[1:]
    tsa_ca = None
    if "--tsa-ca" in args:
        i = args.index("--tsa-ca")
        tsa_ca = args[i + 1]
        del args[i:i + 2]
    d = args[0]
    trusted = args[1] if len(args) > 1 else None
    # Map each PEM file to the raw 32-byte key it holds (the last 32 bytes of its DER).
    pems = {}
    for name in sorted(os.listdir(os.path.join(d, "keys"))):
        path = os.path.join(d, "keys", name)
        der = subprocess.run(["openssl", "pkey", "-pubin", "-in", path, "-outform", "DER"],
                             capture_output=True, check=True).stdout
        pems[der[-32:]] = path
    exported = {}
    for k in json.load(open(os.path.join(d, "keys.json"))):
        raw = base64.b64decode(k["public_key"])
        if key_id(raw) != k["key_id"] or raw not in pems:
            print(f"key {k['key_id']} does not match its public key or has no PEM file")
            sys.exit(1)
        exported[k["key_id"]] = raw
    tmp = tempfile.TemporaryDirectory()
    try:
        verify_events(d, trusted, exported, tmp.name, tsa_ca)
    finally:
        tmp.cleanup()


def pem_for(raw, tmpdir):
    """Write the raw Ed25519 key as a PEM file (the RFC 8410 DER prefix + the 32 bytes)."""
    pem = os.path.join(tmpdir, hashlib.sha256(raw).hexdigest() + ".pem")
    if not os.path.exists(pem):
        der = pem + ".der"
        open(der, "wb").write(bytes.fromhex("302a300506032b6570032100") + raw)
        subprocess.run(["openssl", "pkey", "-pubin", "-inform", "DER", "-in", der, "-out", pem], check=True)
    return pem


def b64(text):
    return base64.b64decode(text + "=" * (-len(text) % 4))


def register_key(seq, body, registry, trusted, tmpdir):
    """VERIFY.md step 3: an audit.key.register event adds a key; a rotation is endorsed by the key it retires."""
    e = json.loads(body)
    kid = e.get("object", {}).get("id", "")
    pk_text = e.get("changes", {}).get("public_key", {}).get("to", "")
    raw = b64(pk_text) if pk_text else b""
    if not kid or len(raw) != 32:
        bad(seq, "a key registration without a key id and 32-byte public key")
    if key_id(raw) != kid:
        bad(seq, f"key {kid} is registered with a public key that does not match its id")
    if kid in registry:
        return
    details = e.get("details", {})
    endorsement = details.get("endorsement", {})
    endorser, replaces = endorsement.get("key_id", ""), details.get("replaces", "")
    if endorser:
        by = registry.get(endorser)
        if by is None or by["retired"] is not None:
            bad(seq, f"key {kid} is endorsed by {endorser}, which is not a current registered key")
        message = canonical({"key_id": kid, "public_key": base64.b64encode(raw).decode(),
                             "type": "changeledger.audit.key.endorsement.v1"})
        if not ed25519_verify(pem_for(by["raw"], tmpdir), message, b64(endorsement.get("signature", ""))):
            bad(seq, f"the endorsement of key {kid} by {endorser} does not verify")
    if replaces:
        if replaces != endorser:
            bad(seq, f"key {kid} replaces {replaces}, which did not endorse it")
        registry[replaces]["retired"] = seq
    ok = trusted is None or kid == trusted or (bool(endorser) and registry[endorser]["trusted"])
    registry[kid] = {"raw": raw, "seq": seq, "retired": None, "trusted": ok}


def rfc3339(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def check_timestamp(seq, body, checkpoints, tsa_ca, tmpdir):
    """VERIFY.md step 8: the token, with openssl, over the named checkpoint's signed message."""
    details = json.loads(body).get("details", {})
    n = details.get("checkpoint_seq")
    cp = checkpoints.get(n)
    if not isinstance(n, int) or cp is None or n >= seq:
        bad(seq, "a time-stamp of a checkpoint the log does not hold before it")
    token = os.path.join(tmpdir, f"token-{seq}.der")
    open(token, "wb").write(base64.b64decode(details.get("token", "")))
    digest = hashlib.sha256(checkpoint_message(cp)).hexdigest()
    ok = subprocess.run(["openssl", "ts", "-verify", "-digest", digest, "-in", token, "-token_in",
                         "-CAfile", tsa_ca], capture_output=True)
    if ok.returncode != 0:
        bad(seq, f"the time-stamp token does not verify over checkpoint {n}")
    text = subprocess.run(["openssl", "ts", "-reply", "-in", token, "-token_in", "-text"],
                          capture_output=True, text=True, check=True).stdout
    when = re.search(r"^Time stamp: (.*)$", text, re.M).group(1)
    when = re.sub(r"\.\d+", "", when).replace(" GMT", "")
    return n, datetime.datetime.strptime(when, "%b %d %H:%M:%S %Y").replace(tzinfo=datetime.timezone.utc)


def check_coverage(checkpoints, stamps, only_stamps, max_delay=datetime.timedelta(hours=1)):
    """Step 8: every checkpoint from the first stamped one on, but the last hour's, is stamped in time."""
    if not checkpoints:
        return
    end = max(rfc3339(cp["signed_at"]) for cp in checkpoints.values())
    first = min(stamps) if stamps else None
    for seq in sorted(checkpoints):
        signed = rfc3339(checkpoints[seq]["signed_at"])
        if end - signed < max_delay or seq in only_stamps or (first is not None and seq < first):
            continue
        later = [t for n, t in stamps.items() if n >= seq]
        if not later or min(later) - signed > max_delay:
            bad(seq, "the checkpoint has no time-stamp within an hour of its signing time")


def verify_events(d, trusted, exported, tmpdir, tsa_ca=None):
    checkpoints = {}
    with open(os.path.join(d, "checkpoints.jsonl"), encoding="utf-8") as f:
        for line in f:
            if line.strip():
                cp = json.loads(line)
                checkpoints[cp["seq"]] = cp

    prev, prev_seq, count, verified = bytes(32), 0, 0, 0
    leaves, prev_cp, seen_v2 = [], bytes(32), False
    registry = {}
    stamps, only_stamps, window_other = {}, set(), False
    with open(os.path.join(d, "events.jsonl"), encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            e = json.loads(line)
            seq = e["seq"]
            if seq != prev_seq + 1:
                bad(prev_seq + 1 if seq > prev_seq else seq, "sequence gap or reorder")
            h = hashlib.sha256(prev + e["body"].encode("utf-8")).digest()
            if h.hex() != e["hash"].lower():
                bad(seq, "hash mismatch")
            json.loads(e["body"])  # the body is itself JSON
            if e["body"].startswith('{"action":"audit.key.register",'):
                register_key(seq, e["body"], registry, trusted, tmpdir)
            is_stamp = e["body"].startswith('{"action":"audit.timestamp",')
            if is_stamp and tsa_ca:
                n, at = check_timestamp(seq, e["body"], checkpoints, tsa_ca, tmpdir)
                stamps[n] = min(at, stamps.get(n, at))
            window_other = window_other or not is_stamp
            if seq in checkpoints:
                if not window_other:
                    only_stamps.add(seq)
                window_other = False
            leaves.append(leaf_hash(h))
            cp = checkpoints.get(seq)
            if cp is None and seq % 1000 == 0:
                bad(seq, "the checkpoint every 1000th event gets is missing (deleted)")
            if cp is not None:
                k = registry.get(cp["key_id"])
                if k is None:
                    bad(seq, f"checkpoint signed by key {cp['key_id']}, which no event before it registers")
                if k["retired"] is not None and seq > k["retired"]:
                    bad(seq, f"checkpoint signed by key {cp['key_id']} after it was replaced at {k['retired']}")
                if not k["trusted"]:
                    bad(seq, f"checkpoint signed by untrusted key {cp['key_id']}")
                msg = checkpoint_message(cp)
                if msg is None or not ed25519_verify(pem_for(k["raw"], tmpdir), msg, decode_sig(cp["signature"])):
                    bad(seq, "checkpoint signature does not verify")
                if cp["hash"].lower() != h.hex():
                    bad(seq, "chain differs from the signed checkpoint")
                if "version" in cp:
                    if cp["prev"] != prev_cp.hex():
                        bad(seq, "the checkpoint does not name the checkpoint before it")
                    # The literal recursive MTH over all leaves so far: slow, but written from the RFC.
                    if len(leaves) <= 20000 and cp["root"] != mth(leaves).hex():
                        bad(seq, "the signed Merkle root does not match the events")
                    seen_v2 = True
                elif seen_v2:
                    bad(seq, "a version 1 checkpoint after version 2 ones")
                prev_cp = hashlib.sha256(msg).digest()
                verified += 1
            prev, prev_seq, count = h, seq, count + 1
    if tsa_ca:
        check_coverage(checkpoints, stamps, only_stamps)
    for kid, raw in exported.items():
        if kid not in registry or registry[kid]["raw"] != raw:
            bad(prev_seq + 1, f"key {kid} in keys.json is not registered in the log (added outside it)")
    if checkpoints and max(checkpoints) > prev_seq:
        bad(prev_seq + 1, "truncated: a checkpoint covers events that are missing")
    manifest = json.load(open(os.path.join(d, "manifest.json")))
    if (manifest.get("events") != count or manifest.get("head_seq") != prev_seq
            or manifest.get("head_hash") != prev.hex() or manifest.get("checkpoints") != len(checkpoints)):
        bad(prev_seq + 1, "the files do not hold what the manifest names (events cut or added)")
    for name, digest in manifest.get("sha256", {}).items():
        with open(os.path.join(d, name), "rb") as f:
            if hashlib.sha256(f.read()).hexdigest() != digest:
                bad(prev_seq + 1, f"{name} does not match the manifest's digest")
    # Step 7: the seal, an audit key's signature over the head at export time.
    seal = manifest.get("seal")
    if not isinstance(seal, dict):
        bad(prev_seq + 1, "the manifest is not sealed")
    if seal.get("head_seq") != prev_seq or seal.get("head_hash") != prev.hex():
        bad(prev_seq + 1, "the seal names another head than the files end at")
    k = registry.get(seal.get("key_id"))
    if k is None or not k["trusted"]:
        bad(prev_seq + 1, f"the seal's key {seal.get('key_id')} is not a trusted key registered in the log")
    if k["retired"] is not None and k["retired"] <= prev_seq:
        bad(prev_seq + 1, f"the seal's key was replaced at {k['retired']}")
    seal_msg = canonical({"type": "changeledger.audit.export.v1", "head_seq": seal["head_seq"],
                          "head_hash": seal["head_hash"], "exported_at": seal.get("exported_at"),
                          "key_id": seal["key_id"]})
    if not ed25519_verify(pem_for(k["raw"], tmpdir), seal_msg, decode_sig(seal.get("signature", ""))):
        bad(prev_seq + 1, "the manifest's seal does not verify (the manifest was edited)")
    print(f"OK: {count} events, {verified} checkpoints verified independently; head {prev_seq} {prev.hex()}"
          + (f"; {len(stamps)} time-stamped checkpoints" if tsa_ca else ""))


if __name__ == "__main__":
    main()
