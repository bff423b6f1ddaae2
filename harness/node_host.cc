#include "harness/node_host.h"

#include <utility>
#include <variant>

#include "base/assert.h"

namespace consim::harness {
namespace {

constexpr uint64_t kTickTag = 1;

protocols::Recovered unwrap(const sim::DiskImage& image) {
  protocols::Recovered recovered;
  for (const auto& [file, records] : image) {
    std::vector<protocols::StoredRecord>& out = recovered[file];
    for (const sim::DiskRecord& record : records) {
      CONSIM_ASSERT(record.payload != nullptr && record.payload->family() == Payload::Family::protocol_record);
      out.push_back(protocols::StoredRecord{std::static_pointer_cast<const protocols::Record>(record.payload),
                                            record.bytes, record.torn});
    }
  }
  return recovered;
}

sim::DiskRecord wrap(const protocols::StoredRecord& record) {
  return sim::DiskRecord{record.record, record.bytes, false};
}

}  // namespace

protocols::NodeId node_of(sim::HostId host) { return protocols::NodeId{host.index + 1}; }

sim::HostId host_of(protocols::NodeId node) {
  CONSIM_ASSERT(node.valid());
  return sim::HostId{node.value - 1};
}

class NodeHost::Random final : public protocols::RandomSource {
 public:
  explicit Random(sim::Rng rng) : rng_(rng) {}
  uint64_t uniform(uint64_t bound) override { return rng_.uniform_u64(bound); }

 private:
  sim::Rng rng_;
};

NodeHost::NodeHost(sim::HostContext context, const sim::DiskImage& recovered, const NodeFactory& make_node,
                   const ApplicationFactory& make_application, const NodeHostHooks& hooks,
                   const NodeHostOptions& options)
    : context_(context),
      id_(node_of(context.self())),
      hooks_(hooks),
      options_(options),
      random_(std::make_unique<Random>(context.rng().fork("protocol"))),
      node_(make_node(id_, unwrap(recovered), *random_)),
      application_(make_application(id_)) {
  CONSIM_ASSERT(node_ != nullptr);
  CONSIM_ASSERT(application_ != nullptr);
  CONSIM_ASSERT(options_.tick_interval > Duration::zero());
  application_->restore(nullptr, protocols::LogIndex{});
}

NodeHost::~NodeHost() = default;

void NodeHost::on_start() {
  // Each machine's ticks start at a random phase, so that no two nodes' timeouts line up by
  // construction (research/raft.md B16).
  sim::Rng phase = context_.rng().fork("tick_phase");
  context_.set_timer_after(Duration{phase.uniform_int(0, options_.tick_interval.ns - 1)}, kTickTag);
  pump();
}

void NodeHost::on_timer(sim::TimerId, uint64_t tag) {
  if (tag != kTickTag) {
    return;
  }
  context_.set_timer_after(options_.tick_interval, kTickTag);
  node_->tick();
  pump();
}

void NodeHost::on_message(const sim::Packet& packet) {
  if (packet.payload->family() != Payload::Family::protocol_message) {
    if (hooks_.foreign) {
      hooks_.foreign(*this, packet);
      return;
    }
    context_.trace(sim::TraceEvent("host.ignored").add("from", packet.from).add("msg", packet.payload->kind()));
    return;
  }
  node_->step(node_of(packet.from), static_cast<const protocols::Message&>(*packet.payload));
  pump();
}

void NodeHost::on_stream_opened(sim::HostId peer, sim::ConnId conn) { incoming_[peer.index] = conn; }

// The two connections between a pair of machines (each end sends on the one it opened) act as one
// TCP connection: when either breaks, the other is reset too, so nothing sent before the break
// arrives after it in either direction, and the node hears of the break once.
void NodeHost::on_stream_closed(sim::HostId peer, sim::ConnId conn, std::string_view) {
  bool current = false;
  for (std::map<uint32_t, sim::ConnId>* streams : {&streams_, &incoming_}) {
    auto it = streams->find(peer.index);
    if (it != streams->end() && it->second == conn) {
      streams->erase(it);
      current = true;
    }
  }
  if (!current) {
    return;  // one this host reset itself, or an older connection already replaced
  }
  reset_streams(peer);
  node_->peer_unreachable(node_of(peer));
  pump();
}

void NodeHost::reset_streams(sim::HostId peer) {
  for (std::map<uint32_t, sim::ConnId>* streams : {&streams_, &incoming_}) {
    auto it = streams->find(peer.index);
    if (it != streams->end()) {
      context_.reset(it->second);
      streams->erase(it);
    }
  }
}

void NodeHost::on_sync_complete(sim::SyncId sync) {
  if (!awaiting_sync_.has_value() || *awaiting_sync_ != sync) {
    return;
  }
  awaiting_sync_.reset();
  finish_ready();
  pump();
}

void NodeHost::submit(const protocols::ClientRequest& request) {
  node_->request(request);
  pump();
}

void NodeHost::with_node(const std::function<void(protocols::Node&)>& input) {
  input(*node_);
  pump();
}

// ---------------------------------------------------------------------------------------------
// Executing Readys

void NodeHost::pump() {
  // Immediate events first, even while a Ready waits for its sync: they are traced when decided.
  if (context_.alive() && node_->take_immediate_events(immediate_events_)) {
    trace_events(immediate_events_);
  }
  while (context_.alive() && !executing_.has_value() && node_->has_ready()) {
    if (node_->take_messages_only(messages_only_)) {
      send_messages_only();
    } else {
      start_ready();
    }
  }
}

void NodeHost::send_messages_only() {
  // The steps finish_ready() takes for a Ready of messages alone, with the same crash points.
  // After a crash the host is gone: nothing of it is touched.
  if (crashed_before("send")) {
    return;
  }
  for (protocols::Outgoing& outgoing : messages_only_) {
    send(outgoing);
  }
  messages_only_.clear();
  if (crashed_before("advance")) {
    return;
  }
  node_->advance();
  maybe_compact();
}

void NodeHost::trace_events(std::vector<protocols::Event>& events) {
  for (protocols::Event& event : events) {
    const Name kind = event.kind();
    const uint64_t fields_hash = event.fields_hash();
    context_.trace(sim::TraceEvent(kind, std::move(event).take_fields(), fields_hash));
  }
  events.clear();
}

bool NodeHost::crash_point_strikes(std::string_view step) {
  if (hooks_.crash_point && hooks_.crash_point(id_, step)) {
    context_.trace(sim::TraceEvent("host.crash_point").add("step", step));
    CONSIM_ASSERT(hooks_.crash != nullptr);
    hooks_.crash(context_.self());
    return true;
  }
  return false;
}

void NodeHost::start_ready() {
  // Built in place in executing_ (the conversion's result initializes it directly): no Ready is
  // moved and destroyed per batch.
  struct FromNode {
    protocols::Node& node;
    operator protocols::Ready() const { return node.ready(); }  // NOLINT(google-explicit-constructor)
  };
  executing_.emplace(FromNode{*node_});
  const protocols::Ready& ready = *executing_;
  if (!ready.writes.empty()) {
    if (crashed_before("write")) {
      return;
    }
    for (const protocols::StorageWrite& storage_write : ready.writes) {
      write(storage_write);
    }
  }
  if (ready.must_sync) {
    if (crashed_before("sync")) {
      return;
    }
    awaiting_sync_ = context_.sync();
    return;  // continues in on_sync_complete
  }
  finish_ready();
}

void NodeHost::finish_ready() {
  CONSIM_ASSERT(executing_.has_value());
  protocols::Ready& ready = *executing_;
  if (!ready.events.empty()) {
    if (crashed_before("events")) {
      return;
    }
    trace_events(ready.events);
  }
  if (!ready.messages.empty() || !ready.disconnects.empty()) {
    if (crashed_before("send")) {
      return;
    }
    for (const protocols::NodeId peer : ready.disconnects) {
      reset_streams(host_of(peer));
    }
    for (protocols::Outgoing& outgoing : ready.messages) {
      send(outgoing);
    }
  }
  const bool restore = ready.restore != nullptr || ready.restore_index.value > 0 || ready.restore_empty;
  if (restore || !ready.committed.empty()) {
    if (crashed_before("apply")) {
      return;
    }
  }
  if (ready.cancel_waiting_reads) {
    // The node stopped serving: reads still waiting for the application must not be answered
    // from what it applies next (a replay of a tail that may never commit).
    for (const protocols::ReadReady& read : reads_waiting_) {
      if (hooks_.rejected) {
        hooks_.rejected(id_, protocols::Rejection{read.id, protocols::Rejection::Reason::kNotReady, {}});
      }
    }
    reads_waiting_.clear();
  }
  if (restore) {
    application_->restore(ready.restore, ready.restore_index);
    applied_since_snapshot_ = 0;
  }
  for (const protocols::Committed& entry : ready.committed) {
    application_->apply(entry);
    ++applied_since_snapshot_;
    if (entry.origin == id_ && entry.request.valid() && hooks_.committed) {
      hooks_.committed(id_, entry, *application_);
    }
  }
  if (!ready.reads.empty()) {
    reads_waiting_.insert(reads_waiting_.end(), ready.reads.begin(), ready.reads.end());
  }
  serve_reads();
  for (const protocols::Rejection& rejection : ready.rejections) {
    if (hooks_.rejected) {
      hooks_.rejected(id_, rejection);
    }
  }
  if (crashed_before("advance")) {
    return;
  }
  node_->recycle(std::move(*executing_));
  executing_.reset();
  node_->advance();
  maybe_compact();
}

void NodeHost::write(const protocols::StorageWrite& storage_write) {
  sim::Disk& disk = context_.disk();
  using Kind = protocols::StorageWrite::Kind;
  switch (storage_write.kind) {
    case Kind::kAppend:
      for (const protocols::StoredRecord& record : storage_write.records) {
        disk.append(storage_write.file, wrap(record));
      }
      return;
    case Kind::kTruncateSuffix:
      disk.truncate_suffix(storage_write.file, storage_write.count);
      return;
    case Kind::kTruncatePrefix:
      disk.truncate_prefix(storage_write.file, storage_write.count);
      return;
    case Kind::kReplace: {
      if (storage_write.records.size() == 1) {  // the hard state, every Ready that changes it
        disk.replace_one(storage_write.file, wrap(storage_write.records.front()));
        return;
      }
      std::vector<sim::DiskRecord> records;
      for (const protocols::StoredRecord& record : storage_write.records) {
        records.push_back(wrap(record));
      }
      disk.replace(storage_write.file, std::move(records));
      return;
    }
    case Kind::kRemove:
      disk.remove(storage_write.file);
      return;
  }
}

void NodeHost::send(protocols::Outgoing& outgoing) {
  const sim::HostId to = host_of(outgoing.to);
  sim::PayloadPtr payload = std::move(outgoing.message);  // the Ready is done with it
  if (outgoing.channel == protocols::Channel::kDatagram) {
    context_.send(to, std::move(payload), outgoing.bytes);
    return;
  }
  auto it = streams_.find(to.index);
  if (it == streams_.end()) {
    const std::optional<sim::ConnId> conn = context_.connect(to);
    if (!conn.has_value()) {
      node_->peer_unreachable(outgoing.to);
      return;
    }
    it = streams_.emplace(to.index, *conn).first;
  }
  if (!context_.stream_send(it->second, std::move(payload), outgoing.bytes)) {
    streams_.erase(it);
    node_->peer_unreachable(outgoing.to);
  }
}

void NodeHost::serve_reads() {
  if (reads_waiting_.empty()) {
    return;  // nearly every Ready: no reads
  }
  // In place, in order: the reads still waiting move to the front.
  size_t kept = 0;
  for (size_t i = 0; i < reads_waiting_.size(); ++i) {
    const protocols::ReadReady& read = reads_waiting_[i];
    if (read.index > application_->applied()) {
      reads_waiting_[kept++] = read;
    } else if (hooks_.read) {
      hooks_.read(id_, read, *application_);
    }
  }
  reads_waiting_.resize(kept);
}

void NodeHost::maybe_compact() {
  if (options_.snapshot_every_entries == 0 || applied_since_snapshot_ < options_.snapshot_every_entries) {
    return;
  }
  applied_since_snapshot_ = 0;
  node_->compact(application_->applied(), application_->snapshot());
}

}  // namespace consim::harness
