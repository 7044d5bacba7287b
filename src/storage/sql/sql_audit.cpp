#include <fmt/format.h>

#include <cstdint>

#include "storage/sql/columns.h"
#include "storage/sql/sql_tx.h"

namespace cl::sql {
namespace {

Blob AsBlob(const crypto::Sha256Digest& h) { return Blob{std::span(h.data(), h.size())}; }
Blob AsBlob(const std::vector<uint8_t>& v) { return Blob{std::span(v.data(), v.size())}; }

constexpr auto kCheckpoint =
    MakeColumns("seq", "hash", "signed_at", "key_id", "signature", "version", "root", "prev", "frontier");
constexpr auto kEvent = MakeColumns("seq", "hash", "body");
constexpr auto kHead = kEvent.First<2>();  // seq, hash
constexpr auto kKey = MakeColumns("key_id", "public_key", "created_at");

AuditCheckpoint ReadCheckpoint(const Row& r) {
  AuditCheckpoint cp;
  cp.seq = r.Int(kCheckpoint["seq"]);
  ReadDigest(r, kCheckpoint["hash"], cp.hash);
  cp.signed_at = Timestamp{r.Int(kCheckpoint["signed_at"])};
  cp.key_id = r.String(kCheckpoint["key_id"]);
  const auto sig = r.Blob(kCheckpoint["signature"]);
  cp.signature.assign(sig.begin(), sig.end());
  cp.version = static_cast<int>(r.Int(kCheckpoint["version"]));
  // A damaged digest leaves zeros, which simply fail verification.
  if (!r.IsNull(kCheckpoint["root"])) ReadDigest(r, kCheckpoint["root"], cp.root);
  if (!r.IsNull(kCheckpoint["prev"])) ReadDigest(r, kCheckpoint["prev"], cp.prev);
  if (!r.IsNull(kCheckpoint["frontier"])) {
    const auto f = r.Blob(kCheckpoint["frontier"]);
    cp.frontier.assign(f.begin(), f.end());
  }
  return cp;
}

}  // namespace

Result<AuditHead> SqlAuditRepo::Head() {
  AuditHead head;
  CL_RETURN_IF_ERROR(c_.Query(fmt::format("SELECT {} FROM audit_events ORDER BY seq DESC LIMIT 1", kHead.List()), {},
                              [&](const Row& r) {
                                head.seq = r.Int(kHead["seq"]);
                                ReadDigest(r, kHead["hash"], head.hash);
                                return false;
                              }));
  return head;
}

Status SqlAuditRepo::Append(const StoredAuditEvent& e) {
  return c_.Run("INSERT INTO audit_events (seq, hash, body) VALUES (?, ?, ?)",
                {e.seq, AsBlob(e.hash), std::string_view(e.body)});
}

Status SqlAuditRepo::Scan(int64_t from_seq, int64_t to_seq, const std::function<bool(const StoredAuditEvent&)>& fn) {
  StoredAuditEvent e;
  const auto on_row = [&](const Row& r) {
    e.seq = r.Int(kEvent["seq"]);
    if (!ReadDigest(r, kEvent["hash"], e.hash)) e.hash = {};  // a damaged hash simply fails verification
    e.body.assign(r.Text(kEvent["body"]));
    return fn(e);
  };
  if (to_seq > 0) {
    return c_.Query(fmt::format("SELECT {} FROM audit_events WHERE seq >= ? AND seq <= ? ORDER BY seq", kEvent.List()),
                    {from_seq, to_seq}, on_row);
  }
  return c_.Query(fmt::format("SELECT {} FROM audit_events WHERE seq >= ? ORDER BY seq", kEvent.List()), {from_seq},
                  on_row);
}

Result<std::vector<StoredAuditEvent>> SqlAuditRepo::List(const AuditQuery& q) {
  // Optional filters are written as "(? = '' OR column = ?)" so one prepared
  // statement serves every combination.
  std::vector<StoredAuditEvent> out;
  CL_RETURN_IF_ERROR(
      c_.Query(fmt::format("SELECT {} FROM audit_events WHERE seq > ? "
                           "AND (? = '' OR object_type = ?) AND (? = '' OR object_id = ?) "
                           "AND (? = '' OR actor_id = ?) AND (? = '' OR action = ?) ORDER BY seq LIMIT ?",
                           kEvent.List()),
               {q.after_seq, q.object_type, q.object_type, q.object_id, q.object_id, q.actor_id, q.actor_id, q.action,
                q.action, q.limit},
               [&](const Row& r) {
                 StoredAuditEvent e;
                 e.seq = r.Int(kEvent["seq"]);
                 ReadDigest(r, kEvent["hash"], e.hash);
                 e.body = r.String(kEvent["body"]);
                 out.push_back(std::move(e));
                 return true;
               }));
  return out;
}

Result<int64_t> SqlAuditRepo::Count() {
  int64_t n = 0;
  CL_RETURN_IF_ERROR(c_.Query("SELECT COUNT(*) FROM audit_events", {}, [&](const Row& r) {
    n = r.Int(0);
    return false;
  }));
  return n;
}

Status SqlAuditRepo::InsertCheckpoint(const AuditCheckpoint& cp) {
  const bool v2 = cp.version >= 2;
  return c_.Run(
      "INSERT INTO audit_checkpoints (seq, hash, signed_at, key_id, signature, version, root, prev, frontier) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {cp.seq, AsBlob(cp.hash), cp.signed_at.micros, cp.key_id, AsBlob(cp.signature), int64_t{cp.version},
       v2 ? Value(AsBlob(cp.root)) : Value(Null{}), v2 ? Value(AsBlob(cp.prev)) : Value(Null{}),
       cp.frontier.empty() ? Value(Null{}) : Value(AsBlob(cp.frontier))});
}

Result<std::optional<AuditCheckpoint>> SqlAuditRepo::LatestCheckpoint() {
  std::optional<AuditCheckpoint> out;
  CL_RETURN_IF_ERROR(
      c_.Query(fmt::format("SELECT {} FROM audit_checkpoints ORDER BY seq DESC LIMIT 1", kCheckpoint.List()), {},
               [&](const Row& r) {
                 out = ReadCheckpoint(r);
                 return false;
               }));
  return out;
}

Result<std::vector<AuditCheckpoint>> SqlAuditRepo::Checkpoints(int64_t after_seq, int64_t limit) {
  std::vector<AuditCheckpoint> out;
  CL_RETURN_IF_ERROR(
      c_.Query(fmt::format("SELECT {} FROM audit_checkpoints WHERE seq > ? ORDER BY seq LIMIT ?", kCheckpoint.List()),
               {after_seq, limit > 0 ? limit : INT64_MAX}, [&](const Row& r) {
                 out.push_back(ReadCheckpoint(r));
                 return true;
               }));
  return out;
}

Status SqlAuditRepo::InsertKey(const AuditKey& k) {
  return c_.Run("INSERT INTO audit_keys (key_id, public_key, created_at) VALUES (?, ?, ?)",
                {k.key_id, AsBlob(k.public_key), k.created_at.micros});
}

Result<std::vector<AuditKey>> SqlAuditRepo::Keys() {
  std::vector<AuditKey> out;
  CL_RETURN_IF_ERROR(c_.Query(
      fmt::format("SELECT {} FROM audit_keys ORDER BY created_at, key_id", kKey.List()), {}, [&](const Row& r) {
        const auto pk = r.Blob(kKey["public_key"]);
        out.push_back(AuditKey{r.String(kKey["key_id"]), std::vector<uint8_t>(pk.begin(), pk.end()),
                               Timestamp{r.Int(kKey["created_at"])}});
        return true;
      }));
  return out;
}

}  // namespace cl::sql
