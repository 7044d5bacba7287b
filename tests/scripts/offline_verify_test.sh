#!/usr/bin/env bash
# An audit export verifies with an independent implementation (Python +
# openssl, tests/scripts/verify_audit_export.py), and each kind of tampering
# with the exported files is caught there too, naming the sequence number.
set -euo pipefail
BIN=$1
HERE=$(cd "$(dirname "$0")" && pwd)
VERIFY="python3 $HERE/verify_audit_export.py"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export CHANGELEDGER_CONFIG_DIR=$work/config

db=$work/cl.db
"$BIN" migrate --db "$db" >/dev/null
for i in $(seq 1 12); do
  "$BIN" user add "person$i" --role auditor --db "$db" >/dev/null
done
"$BIN" audit export --db "$db" --out "$work/export" >/dev/null

out=$($VERIFY "$work/export")
echo "$out"
[[ $out == OK:* ]] || { echo "FAIL: intact export did not verify"; exit 1; }
[[ $out != *" 0 checkpoints"* ]] || { echo "FAIL: no checkpoint was verified"; exit 1; }

kid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["key_id"])' "$work/export/keys.json")
$VERIFY "$work/export" "$kid" >/dev/null || { echo "FAIL: pinned key rejected"; exit 1; }
if $VERIFY "$work/export" "ed25519:not-the-key" >/dev/null; then
  echo "FAIL: an untrusted key was accepted"; exit 1
fi

expect_bad() {  # name, expected seq, python snippet editing the list `lines`
  local name=$1 seq=$2 edit=$3
  rm -rf "$work/t" && cp -r "$work/export" "$work/t"
  python3 - "$work/t/events.jsonl" <<PY
import json, sys
p = sys.argv[1]
lines = [json.loads(l) for l in open(p, encoding="utf-8") if l.strip()]
$edit
open(p, "w", encoding="utf-8").write("".join(json.dumps(l) + "\n" for l in lines))
PY
  local res rc=0
  res=$($VERIFY "$work/t") || rc=$?
  if [[ $rc -ne 1 || $res != *"first bad sequence number $seq:"* ]]; then
    echo "FAIL: $name: rc=$rc $res"; exit 1
  fi
  echo "detected $name: $res"
}
expect_bad "update" 5 'lines[4]["body"] = lines[4]["body"].replace("person", "intruder")'
expect_bad "delete" 7 'del lines[6]'
expect_bad "reorder" 3 'lines[2], lines[3] = dict(lines[3], seq=3), dict(lines[2], seq=4)'
expect_bad "truncate" 10 'del lines[9:]'
# The newest event cut together with the checkpoint that signs it: the rest is
# consistent in itself; only the manifest shows the export is shorter.
rm -rf "$work/t" && cp -r "$work/export" "$work/t"
python3 - "$work/t" <<'PY'
import json, os, sys
d = sys.argv[1]
events = [l for l in open(os.path.join(d, "events.jsonl"), encoding="utf-8") if l.strip()]
cps = [json.loads(l) for l in open(os.path.join(d, "checkpoints.jsonl"), encoding="utf-8") if l.strip()]
last = json.loads(events[-1])["seq"]
open(os.path.join(d, "events.jsonl"), "w", encoding="utf-8").write("".join(events[:-1]))
open(os.path.join(d, "checkpoints.jsonl"), "w", encoding="utf-8").write(
    "".join(json.dumps(c) + "\n" for c in cps if c["seq"] < last))
PY
rc=0
res=$($VERIFY "$work/t") || rc=$?
[[ $rc -eq 1 && $res == *manifest* ]] || { echo "FAIL: cut tail with its checkpoint: rc=$rc $res"; exit 1; }
echo "detected tail cut with its checkpoint: $res"
rc=0
res=$("$BIN" audit verify --export "$work/t") || rc=$?
[[ $rc -eq 1 ]] || { echo "FAIL: changeledger accepted the cut export: rc=$rc $res"; exit 1; }

# The same cut with the manifest rewritten to match in every count, head and
# digest: only the seal (signed at export time) shows it, in both verifiers.
python3 - "$work/t" <<'PY'
import hashlib, json, os, sys
d = sys.argv[1]
m = json.load(open(os.path.join(d, "manifest.json")))
events = [json.loads(l) for l in open(os.path.join(d, "events.jsonl"), encoding="utf-8") if l.strip()]
cps = [l for l in open(os.path.join(d, "checkpoints.jsonl"), encoding="utf-8") if l.strip()]
m["events"] = m["head_seq"] = events[-1]["seq"]
m["head_hash"] = events[-1]["hash"]
m["checkpoints"] = len(cps)
for name in ("events.jsonl", "checkpoints.jsonl"):
    m["sha256"][name] = hashlib.sha256(open(os.path.join(d, name), "rb").read()).hexdigest()
m["seal"]["head_seq"], m["seal"]["head_hash"] = m["head_seq"], m["head_hash"]
json.dump(m, open(os.path.join(d, "manifest.json"), "w"), indent=2)
PY
for verifier in "$VERIFY" "$BIN audit verify --export"; do
  rc=0
  # shellcheck disable=SC2086
  res=$($verifier "$work/t") || rc=$?
  [[ $rc -eq 1 && $res == *seal* ]] || { echo "FAIL: $verifier accepted a rewritten manifest: rc=$rc $res"; exit 1; }
  echo "detected the rewritten manifest ($verifier): $res"
done

# Merkle proofs: every event's inclusion proof and a consistency proof from
# every checkpoint's tree head verify in both implementations, from the
# database and from the export; altered proofs fail in both.
for seq in $(seq 1 14); do
  for src in "--db $db" "--export $work/export"; do
    # shellcheck disable=SC2086
    "$BIN" audit prove --seq "$seq" $src >"$work/p.json"
    "$BIN" audit verify-proof "$work/p.json" --trusted-key-id "$kid" >/dev/null ||
      { echo "FAIL: inclusion proof of $seq ($src) did not verify"; exit 1; }
    $VERIFY --proof "$work/p.json" "$kid" >/dev/null ||
      { echo "FAIL: python: inclusion proof of $seq did not verify"; exit 1; }
  done
done
python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); p["event"]["body"]=p["event"]["body"].replace("person","intruder"); json.dump(p,open(sys.argv[1],"w"))' "$work/p.json"
! "$BIN" audit verify-proof "$work/p.json" >/dev/null || { echo "FAIL: an altered event was proven"; exit 1; }
! $VERIFY --proof "$work/p.json" >/dev/null || { echo "FAIL: python: an altered event was proven"; exit 1; }
heads=$(python3 -c 'import json,sys; [print("%d:%s" % (c["seq"], c["root"])) for c in map(json.loads, open(sys.argv[1])) if "root" in c]' "$work/export/checkpoints.jsonl")
[[ $(wc -l <<<"$heads") -ge 10 ]] || { echo "FAIL: too few version 2 checkpoints: $heads"; exit 1; }
for head in $heads; do
  "$BIN" audit consistency --db "$db" --from "$head" >"$work/c.json"
  "$BIN" audit verify-proof "$work/c.json" >/dev/null || { echo "FAIL: consistency from $head"; exit 1; }
  $VERIFY --proof "$work/c.json" "$kid" >/dev/null || { echo "FAIL: python: consistency from $head"; exit 1; }
done
python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); p["first"]["root"]="00"*32; json.dump(p,open(sys.argv[1],"w"))' "$work/c.json"
! "$BIN" audit verify-proof "$work/c.json" >/dev/null || { echo "FAIL: a wrong kept head was accepted"; exit 1; }
! $VERIFY --proof "$work/c.json" >/dev/null || { echo "FAIL: python: a wrong kept head was accepted"; exit 1; }
rc=0
"$BIN" audit consistency --db "$db" --from "3:$(printf '%064d' 0)" >/dev/null 2>&1 || rc=$?
[[ $rc -eq 1 ]] || { echo "FAIL: consistency with a head the log never had: rc=$rc"; exit 1; }
echo "proofs: 28 inclusion and $(wc -l <<<"$heads") consistency proofs verified by both implementations"
# Key rotation: the new key's registration is endorsed by the old key, in the
# chain; the independent verifier follows it, honours a pin on the old key,
# and rejects a key that keys.json names but the log never registered.
rot=$work/rot.db
cp "$db" "$rot" && cp "$db.signing-key" "$rot.signing-key"
new_kid=$("$BIN" audit rotate-key --db "$rot" -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["new_key_id"])')
"$BIN" user add after-rotation --role auditor --db "$rot" >/dev/null
"$BIN" audit export --db "$rot" --out "$work/rot" >/dev/null
out=$($VERIFY "$work/rot") || { echo "FAIL: python: rotated export: $out"; exit 1; }
$VERIFY "$work/rot" "$kid" >/dev/null || { echo "FAIL: python: pin on the old key did not reach the new one"; exit 1; }
"$BIN" audit verify --export "$work/rot" --trusted-key-id "$kid" >/dev/null ||
  { echo "FAIL: changeledger: pin on the old key did not reach the new one"; exit 1; }
rc=0
res=$($VERIFY "$work/rot" "$new_kid") || rc=$?
[[ $rc -eq 1 && $res == *"untrusted key $kid"* ]] || { echo "FAIL: python: new-key-only pin trusted the old key: $res"; exit 1; }
echo "rotation to $new_kid verified; pinned to the old key it still verifies"
# A key placed into keys.json (and keys/) that no event registers.
rm -rf "$work/t" && cp -r "$work/rot" "$work/t"
openssl genpkey -algorithm ed25519 -out "$work/stranger.key" 2>/dev/null
openssl pkey -in "$work/stranger.key" -pubout -out "$work/t/keys/stranger.pem"
python3 - "$work/t" <<'PY'
import base64, hashlib, json, os, subprocess, sys
d = sys.argv[1]
der = subprocess.run(["openssl", "pkey", "-pubin", "-in", os.path.join(d, "keys", "stranger.pem"), "-outform", "DER"],
                     capture_output=True, check=True).stdout
raw = der[-32:]
kid = "ed25519:" + base64.urlsafe_b64encode(hashlib.sha256(raw).digest()[:16]).decode().rstrip("=")
keys = json.load(open(os.path.join(d, "keys.json")))
keys.append({"key_id": kid, "public_key": base64.b64encode(raw).decode()})
json.dump(keys, open(os.path.join(d, "keys.json"), "w"))
PY
rc=0
res=$($VERIFY "$work/t") || rc=$?
[[ $rc -eq 1 && $res == *"not registered in the log"* ]] || { echo "FAIL: python: unregistered key: rc=$rc $res"; exit 1; }
echo "detected a key outside the log: $res"
echo "1 passed, 0 failed"
