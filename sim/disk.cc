#include "sim/disk.h"

#include <algorithm>
#include <utility>

#include "base/assert.h"

namespace consim::sim {

std::string DiskParams::validate() const {
  if (sync_latency_min < Duration::zero()) {
    return "sync_latency_min must be >= 0";
  }
  if (sync_latency_max < sync_latency_min) {
    return "sync_latency_max must be >= sync_latency_min";
  }
  if (!(torn_write_probability >= 0.0 && torn_write_probability <= 1.0)) {
    return "torn_write_probability must be within [0, 1]";
  }
  return {};
}

Disk::Disk(Simulator& sim, HostId host, const DiskParams& params)
    : sim_(sim), host_(host), params_(params), rng_(sim.rng("disk", host.index)) {
  CONSIM_ASSERT_MSG(params.validate().empty(), params.validate());
}

void Disk::set_params(const DiskParams& params) {
  CONSIM_ASSERT_MSG(params.validate().empty(), params.validate());
  params_ = params;
}

Disk::Op& Disk::write(OpKind kind, const std::string& file) {
  // Built in place at the end of the pending list: no Op is moved per write.
  ++stats_.writes;
  return pending_.emplace_back(next_op_seq_++, kind, file);
}

void Disk::append(const std::string& file, DiskRecord record) {
  CONSIM_ASSERT(!record.torn);
  stats_.bytes_written += record.bytes;
  write(OpKind::kAppend, file).appended = std::move(record);
}

void Disk::truncate_suffix(const std::string& file, size_t keep) { write(OpKind::kTruncateSuffix, file).count = keep; }

void Disk::truncate_prefix(const std::string& file, size_t drop) { write(OpKind::kTruncatePrefix, file).count = drop; }

void Disk::replace(const std::string& file, std::vector<DiskRecord> records) {
  for (const DiskRecord& record : records) {
    stats_.bytes_written += record.bytes;
  }
  write(OpKind::kReplace, file).records = std::move(records);
}

void Disk::replace_one(const std::string& file, DiskRecord record) {
  CONSIM_ASSERT(!record.torn);
  stats_.bytes_written += record.bytes;
  write(OpKind::kReplaceOne, file).appended = std::move(record);
}

void Disk::remove(const std::string& file) { write(OpKind::kRemove, file); }

void Disk::apply(const Op& op, DiskImage& image) {
  switch (op.kind) {
    case OpKind::kAppend:
      image[op.file].push_back(op.appended);
      break;
    case OpKind::kTruncateSuffix: {
      auto it = image.find(op.file);
      if (it != image.end() && it->second.size() > op.count) {
        it->second.resize(op.count);
      }
      break;
    }
    case OpKind::kTruncatePrefix: {
      auto it = image.find(op.file);
      if (it != image.end()) {
        const size_t drop = std::min(op.count, it->second.size());
        it->second.erase(it->second.begin(), it->second.begin() + static_cast<std::ptrdiff_t>(drop));
      }
      break;
    }
    case OpKind::kReplaceOne: {
      std::vector<DiskRecord>& records = image[op.file];
      records.clear();
      records.push_back(op.appended);
      break;
    }
    case OpKind::kReplace:
      image[op.file] = op.records;
      break;
    case OpKind::kRemove:
      image.erase(op.file);
      break;
  }
}

void Disk::apply_taking(Op& op, DiskImage& image) {
  switch (op.kind) {
    case OpKind::kAppend:
      image[op.file].push_back(std::move(op.appended));
      return;
    case OpKind::kReplaceOne: {
      std::vector<DiskRecord>& records = image[op.file];
      records.clear();
      records.push_back(std::move(op.appended));
      return;
    }
    default:
      apply(op, image);
      return;
  }
}

DiskImage Disk::current() const {
  DiskImage image = durable_;
  for (const Op& op : pending_) {
    apply(op, image);
  }
  return image;
}

SyncId Disk::sync(SyncCallback done) {
  const SyncId id{next_sync_id_++};
  ++stats_.syncs;
  const uint64_t upto_seq = next_op_seq_ - 1;
  const Duration latency{rng_.uniform_int(params_.sync_latency_min.ns, params_.sync_latency_max.ns)};
  // Syncs complete in the order they were requested, as on one file descriptor.
  const SimTime done_at = std::max(sim_.now() + latency, last_sync_done_);
  last_sync_done_ = done_at;
  sim_.record("disk.sync", [&](auto& record) {
    record.node(host_)
        .add("sync", id.value)
        .add("writes", static_cast<uint64_t>(pending_.size()))
        .add("latency_ns", (done_at - sim_.now()).ns);
  });
  syncs_.push_back(PendingSync{id, upto_seq, std::move(done)});
  sim_.schedule_at(done_at, [this, id] { complete_sync(id); });
  return id;
}

void Disk::complete_sync(SyncId id) {
  if (syncs_head_ == syncs_.size() || syncs_[syncs_head_].id != id) {
    return;  // the machine crashed after this sync was issued
  }
  // Completion times never decrease between crashes, and equal times run in scheduling order.
  const PendingSync sync = std::move(syncs_[syncs_head_]);
  ++syncs_head_;
  if (syncs_head_ == syncs_.size()) {
    syncs_.clear();
    syncs_head_ = 0;
  } else if (syncs_head_ >= 64 && syncs_head_ * 2 >= syncs_.size()) {
    // Never drained (syncs always in flight): drop the consumed front now and then.
    syncs_.erase(syncs_.begin(), syncs_.begin() + static_cast<std::ptrdiff_t>(syncs_head_));
    syncs_head_ = 0;
  }
  const uint64_t upto_seq = sync.upto_seq;
  const SyncCallback& done = sync.done;
  size_t made_durable = 0;
  if (!params_.lying_sync) {
    while (made_durable < pending_.size() && pending_[made_durable].seq <= upto_seq) {
      apply_taking(pending_[made_durable], durable_);
      ++made_durable;
    }
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(made_durable));
  }
  ++stats_.syncs_completed;
  sim_.record("disk.synced", [&](auto& record) {
    record.node(host_)
        .add("sync", id.value)
        .add("durable_writes", static_cast<uint64_t>(made_durable))
        .add("lying", params_.lying_sync);
  });
  if (done) {
    done(id);
  }
}

void Disk::crash() {
  syncs_.clear();
  syncs_head_ = 0;
  ++stats_.crashes;
  stats_.writes_lost += pending_.size();
  bool torn = false;
  // Only the first write after the durable point can have partly reached the platter.
  if (!pending_.empty() && pending_.front().kind == OpKind::kAppend && rng_.bernoulli(params_.torn_write_probability)) {
    const Op& first = pending_.front();
    DiskRecord partial = first.appended;
    partial.torn = true;
    partial.bytes /= 2;
    durable_[first.file].push_back(std::move(partial));
    torn = true;
  }
  sim_.emit(TraceEvent("disk.crash")
                .node(host_)
                .add("lost_writes", static_cast<uint64_t>(pending_.size()))
                .add("torn", torn));
  pending_.clear();
  last_sync_done_ = sim_.now();
}

}  // namespace consim::sim
