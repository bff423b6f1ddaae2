#include "tests/protocols/raft_fixture.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "base/assert.h"

namespace consim::protocols::raft::testing {

TestRandom::TestRandom(uint64_t seed) {
  // splitmix64's finalizer, so that neighbouring seeds start far apart.
  uint64_t x = seed + 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  state_ = x ^ (x >> 31);
}

uint64_t TestRandom::uniform(uint64_t bound) {
  CONSIM_ASSERT(bound > 0);
  if (pinned_.has_value()) {
    return *pinned_ % bound;
  }
  state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
  // The high bits of an LCG are the good ones.
  return (state_ >> 33) % bound;
}

std::optional<uint64_t> command_value(const Committed& committed) {
  const auto* command = dynamic_cast<const TestCommand*>(committed.command.get());
  if (command == nullptr) {
    return std::nullopt;
  }
  return command->value();
}

MessageFilter of_type(MessageType type) {
  return [type](const Envelope& envelope) { return envelope.type() == type; };
}
MessageFilter to_node(uint32_t id) {
  return [id](const Envelope& envelope) { return envelope.to.value == id; };
}
MessageFilter from_node(uint32_t id) {
  return [id](const Envelope& envelope) { return envelope.from.value == id; };
}
MessageFilter between(uint32_t from, uint32_t to) {
  return [from, to](const Envelope& envelope) { return envelope.from.value == from && envelope.to.value == to; };
}
MessageFilter all_of(MessageFilter a, MessageFilter b) {
  return [a = std::move(a), b = std::move(b)](const Envelope& envelope) { return a(envelope) && b(envelope); };
}
MessageFilter any_message() {
  return [](const Envelope&) { return true; };
}

RaftMessage make_message(MessageType type, uint32_t from, uint32_t to, uint64_t term) {
  RaftMessage message;
  message.type = type;
  message.from = NodeId{from};
  message.to = NodeId{to};
  message.term = Term{term};
  return message;
}

std::vector<Entry> make_entries(const std::vector<uint64_t>& terms, LogIndex first, uint64_t previous_hash) {
  std::vector<Entry> entries;
  uint64_t previous = previous_hash;
  LogIndex index = first;
  for (const uint64_t term : terms) {
    Entry entry;
    entry.term = Term{term};
    entry.index = index;
    entry.type = EntryType::kNormal;
    entry.command = std::make_shared<TestCommand>(1000 * term + index.value);
    entry.hash = chain_hash(previous, entry);
    previous = entry.hash;
    entries.push_back(std::move(entry));
    index = index.next();
  }
  return entries;
}

Recovered make_disk(uint64_t term, uint32_t vote, uint64_t commit, const std::vector<uint64_t>& log_terms) {
  Recovered disk;
  disk[kHardStateFile].push_back(
      store(std::make_shared<HardStateRecord>(HardState{Term{term}, NodeId{vote}, LogIndex{commit}})));
  std::vector<StoredRecord>& log = disk[kLogFile];
  for (Entry& entry : make_entries(log_terms)) {
    log.push_back(store(std::make_shared<EntryRecord>(std::move(entry))));
  }
  return disk;
}

std::optional<HardState> disk_hard_state(const Recovered& disk) { return read_disk(disk).hard_state; }

void apply_write(Recovered& disk, const StorageWrite& write) {
  std::vector<StoredRecord>& file = disk[write.file];
  switch (write.kind) {
    case StorageWrite::Kind::kAppend:
      file.insert(file.end(), write.records.begin(), write.records.end());
      return;
    case StorageWrite::Kind::kTruncateSuffix:
      CONSIM_ASSERT(write.count <= file.size());
      file.resize(write.count);
      return;
    case StorageWrite::Kind::kTruncatePrefix:
      CONSIM_ASSERT(write.count <= file.size());
      file.erase(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(write.count));
      return;
    case StorageWrite::Kind::kReplace:
      file = write.records;
      return;
    case StorageWrite::Kind::kRemove:
      disk.erase(write.file);
      return;
  }
}

ClusterConfig make_cluster_config(uint32_t voters, uint32_t learners) {
  ClusterConfig config;
  for (uint32_t i = 1; i <= voters; ++i) {
    config.voters.push_back(NodeId{i});
  }
  for (uint32_t i = voters + 1; i <= voters + learners; ++i) {
    config.learners.push_back(NodeId{i});
  }
  return config;
}

// ---------------------------------------------------------------------------------------------

RaftCluster::RaftCluster(uint32_t nodes, Configure configure)
    : RaftCluster(Options{nodes, ClusterConfig{}, std::move(configure), {}, {}, 1, false}) {}

RaftCluster::RaftCluster(Options options) : lose_unsynced_writes_(options.lose_unsynced_writes) {
  ClusterConfig bootstrap = options.bootstrap;
  if (bootstrap.voters.empty()) {
    bootstrap = make_cluster_config(options.nodes);
  }
  slots_.resize(options.nodes);
  for (uint32_t id = 1; id <= options.nodes; ++id) {
    Slot& s = slots_[id - 1];
    s.config.id = NodeId{id};
    s.config.bootstrap = bootstrap;
    if (options.configure) {
      options.configure(s.config);
    }
    CONSIM_ASSERT_MSG(s.config.validate().empty(), s.config.validate());
    s.random = std::make_unique<TestRandom>(options.seed * 1000003 + id);
    auto jitter = options.jitter.find(id);
    if (jitter != options.jitter.end()) {
      s.random->pin(jitter->second);
    }
    auto disk = options.disks.find(id);
    if (disk != options.disks.end()) {
      s.disk = disk->second;
    }
  }
  for (uint32_t id = 1; id <= options.nodes; ++id) {
    restart(id);
  }
}

RaftCluster::Slot& RaftCluster::slot(uint32_t id) {
  CONSIM_ASSERT(id >= 1);
  CONSIM_ASSERT(id <= slots_.size());
  return slots_[id - 1];
}

const RaftCluster::Slot& RaftCluster::slot(uint32_t id) const {
  CONSIM_ASSERT(id >= 1);
  CONSIM_ASSERT(id <= slots_.size());
  return slots_[id - 1];
}

RaftNode& RaftCluster::node(uint32_t id) {
  Slot& s = slot(id);
  CONSIM_ASSERT_MSG(s.node != nullptr, "node is crashed");
  return *s.node;
}

const RaftNode& RaftCluster::node(uint32_t id) const {
  const Slot& s = slot(id);
  CONSIM_ASSERT_MSG(s.node != nullptr, "node is crashed");
  return *s.node;
}

bool RaftCluster::alive(uint32_t id) const { return slot(id).node != nullptr; }

TestRandom& RaftCluster::random(uint32_t id) { return *slot(id).random; }

// ---------------------------------------------------------------------------------------------
// Inputs

void RaftCluster::after_input(uint32_t id) {
  if (!slot(id).held) {
    process(id);
  }
}

void RaftCluster::tick(uint32_t id, uint32_t count) {
  for (uint32_t i = 0; i < count; ++i) {
    node(id).tick();
    after_input(id);
  }
}

void RaftCluster::tick_all(uint32_t count) {
  for (uint32_t i = 0; i < count; ++i) {
    for (uint32_t id = 1; id <= size(); ++id) {
      if (alive(id)) {
        tick(id);
      }
    }
  }
}

void RaftCluster::campaign(uint32_t id) {
  node(id).campaign();
  after_input(id);
}

RequestId RaftCluster::propose(uint32_t id, uint64_t value) {
  ClientRequest request;
  request.id = RequestId{next_request_++};
  request.kind = ClientRequest::Kind::kWrite;
  request.command = std::make_shared<TestCommand>(value);
  node(id).request(request);
  after_input(id);
  return request.id;
}

RequestId RaftCluster::read(uint32_t id, ReadMode mode) {
  ClientRequest request;
  request.id = RequestId{next_request_++};
  request.kind = ClientRequest::Kind::kRead;
  request.read_mode = mode;
  node(id).request(request);
  after_input(id);
  return request.id;
}

RequestId RaftCluster::propose_conf_change(uint32_t id, const ConfChange& change) {
  const RequestId request{next_request_++};
  node(id).propose_conf_change(request, change);
  after_input(id);
  return request;
}

void RaftCluster::transfer(uint32_t id, uint32_t transferee) {
  node(id).transfer_leadership(NodeId{transferee});
  after_input(id);
}

void RaftCluster::compact(uint32_t id) {
  RaftNode& raft = node(id);
  const LogIndex applied = raft.log().applied();
  raft.compact(applied, std::make_shared<TestSnapshotData>(applied));
  after_input(id);
}

void RaftCluster::step(const Envelope& envelope) {
  const uint32_t to = envelope.to.value;
  if (!alive(to)) {
    return;
  }
  node(to).step(envelope.from, *envelope.message);
  after_input(to);
}

void RaftCluster::inject(RaftMessage message) {
  const NodeId from = message.from;
  const NodeId to = message.to;
  step(Envelope{from, to, std::make_shared<const RaftMessage>(std::move(message))});
}

// ---------------------------------------------------------------------------------------------
// Network

bool RaftCluster::blocked(const Envelope& envelope) const {
  const uint32_t from = envelope.from.value;
  const uint32_t to = envelope.to.value;
  return cuts_.count({from, to}) != 0 || isolated_.count(from) != 0 || isolated_.count(to) != 0 ||
         ignored_.count(envelope.type()) != 0;
}

void RaftCluster::send(uint32_t from, const Outgoing& outgoing) {
  if (on_send) {
    on_send(from, outgoing);
  }
  auto message = std::dynamic_pointer_cast<const RaftMessage>(outgoing.message);
  CONSIM_ASSERT(message != nullptr);
  CONSIM_ASSERT(message->from.value == from);
  CONSIM_ASSERT(message->to == outgoing.to);
  Envelope envelope{NodeId{from}, outgoing.to, std::move(message)};
  if (blocked(envelope)) {
    ++lost_;
    return;
  }
  queue_.push_back(std::move(envelope));
}

size_t RaftCluster::stabilize() {
  constexpr size_t kDeliveriesMax = 200'000;
  size_t delivered = 0;
  while (!queue_.empty()) {
    if (delivered >= kDeliveriesMax) {
      ADD_FAILURE() << "stabilize: the cluster did not quiesce after " << kDeliveriesMax << " messages";
      break;
    }
    Envelope envelope = std::move(queue_.front());
    queue_.pop_front();
    step(envelope);
    ++delivered;
  }
  return delivered;
}

std::vector<Envelope> RaftCluster::take(const MessageFilter& which) {
  std::vector<Envelope> taken;
  std::deque<Envelope> kept;
  for (Envelope& envelope : queue_) {
    if (which(envelope)) {
      taken.push_back(std::move(envelope));
    } else {
      kept.push_back(std::move(envelope));
    }
  }
  queue_ = std::move(kept);
  return taken;
}

size_t RaftCluster::deliver(const MessageFilter& which) {
  std::vector<Envelope> chosen = take(which);
  for (const Envelope& envelope : chosen) {
    step(envelope);
  }
  return chosen.size();
}

size_t RaftCluster::deliver_one(const MessageFilter& which) {
  for (auto it = queue_.begin(); it != queue_.end(); ++it) {
    if (which(*it)) {
      Envelope envelope = std::move(*it);
      queue_.erase(it);
      step(envelope);
      return 1;
    }
  }
  return 0;
}

size_t RaftCluster::count(const MessageFilter& which) const {
  return static_cast<size_t>(std::count_if(queue_.begin(), queue_.end(), which));
}

void RaftCluster::cut(uint32_t a, uint32_t b) {
  cuts_.insert({a, b});
  cuts_.insert({b, a});
}

void RaftCluster::isolate(uint32_t id) { isolated_.insert(id); }

void RaftCluster::ignore(MessageType type) { ignored_.insert(type); }

void RaftCluster::heal() {
  cuts_.clear();
  isolated_.clear();
  ignored_.clear();
}

// ---------------------------------------------------------------------------------------------
// Crashes

void RaftCluster::crash(uint32_t id) {
  slot(id).node.reset();
  slot(id).unsynced.clear();
}

void RaftCluster::restart(uint32_t id) {
  Slot& s = slot(id);
  s.node.reset();
  s.committed.clear();
  s.restores.clear();
  s.applied = LogIndex{};
  s.node = std::make_unique<RaftNode>(s.config, s.disk, *s.random);
  after_input(id);
}

Recovered& RaftCluster::disk(uint32_t id) { return slot(id).disk; }

// ---------------------------------------------------------------------------------------------
// Ready handling

void RaftCluster::hold(uint32_t id, bool held) { slot(id).held = held; }

Ready RaftCluster::take_ready(uint32_t id) {
  CONSIM_ASSERT(node(id).has_ready());
  return node(id).ready();
}

void RaftCluster::execute(uint32_t id, const Ready& ready) {
  Slot& s = slot(id);
  // 1. Writes; synced ones make everything written before them durable too.
  s.unsynced.insert(s.unsynced.end(), ready.writes.begin(), ready.writes.end());
  if (ready.must_sync || !lose_unsynced_writes_) {
    for (const StorageWrite& write : s.unsynced) {
      apply_write(s.disk, write);
    }
    s.unsynced.clear();
  }
  // 2. Events.
  s.events.insert(s.events.end(), ready.events.begin(), ready.events.end());
  observe(id, ready.events);
  // 3. Messages.
  for (const Outgoing& outgoing : ready.messages) {
    send(id, outgoing);
  }
  // 4. Snapshot, then committed entries, in order and without gaps.
  if (ready.restore != nullptr || ready.restore_index.value != 0) {
    s.restores.emplace_back(ready.restore_index, ready.restore);
    EXPECT_GE(ready.restore_index, s.applied) << "n" << id << " restored an older snapshot";
    s.applied = ready.restore_index;
  }
  for (const Committed& committed : ready.committed) {
    record_committed(id, committed);
  }
  // 5. Clients.
  s.reads.insert(s.reads.end(), ready.reads.begin(), ready.reads.end());
  s.rejections.insert(s.rejections.end(), ready.rejections.begin(), ready.rejections.end());
  node(id).advance();
}

void RaftCluster::process(uint32_t id) {
  constexpr int kReadiesMax = 1000;
  for (int i = 0; alive(id) && node(id).has_ready(); ++i) {
    CONSIM_ASSERT_MSG(i < kReadiesMax, "a node keeps producing Readies");
    execute(id, node(id).ready());
  }
}

void RaftCluster::record_committed(uint32_t id, const Committed& committed) {
  Slot& s = slot(id);
  if (committed.index != s.applied.next()) {
    violations_.push_back("n" + std::to_string(id) + " applied index " + std::to_string(committed.index.value) +
                          " after " + std::to_string(s.applied.value));
  }
  s.applied = committed.index;
  s.committed.push_back(committed);
  auto [it, inserted] = committed_term_.emplace(committed.index.value, committed.term.value);
  if (!inserted && it->second != committed.term.value) {
    violations_.push_back("index " + std::to_string(committed.index.value) + " committed with term " +
                          std::to_string(it->second) + " and with term " + std::to_string(committed.term.value) +
                          " (n" + std::to_string(id) + ")");
  }
}

// Leadership as the trace shows it: a node leads once the Ready announcing it executed (a lone
// voter "wins" in memory at once, but if it crashes before that Ready, nobody ever saw it).
void RaftCluster::observe(uint32_t id, const std::vector<Event>& events) {
  for (const Event& event : events) {
    if (event.kind() != "raft.state") {
      continue;
    }
    std::string role;
    int64_t term = -1;
    for (const auto& [key, value] : event.fields()) {
      if (key == "role") {
        role = std::get<std::string>(value);
      } else if (key == "term") {
        term = std::get<int64_t>(value);
      }
    }
    if (role != "leader") {
      continue;
    }
    auto [it, inserted] = leader_of_term_.emplace(static_cast<uint64_t>(term), id);
    if (!inserted && it->second != id) {
      violations_.push_back("term " + std::to_string(term) + " has leaders n" + std::to_string(it->second) + " and n" +
                            std::to_string(id));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Records

const std::vector<Committed>& RaftCluster::committed(uint32_t id) const { return slot(id).committed; }

std::vector<uint64_t> RaftCluster::committed_values(uint32_t id) const {
  std::vector<uint64_t> values;
  for (const Committed& committed : slot(id).committed) {
    if (const std::optional<uint64_t> value = command_value(committed)) {
      values.push_back(*value);
    }
  }
  return values;
}

const std::vector<ReadReady>& RaftCluster::reads(uint32_t id) const { return slot(id).reads; }

const std::vector<Rejection>& RaftCluster::rejections(uint32_t id) const { return slot(id).rejections; }

const std::vector<Event>& RaftCluster::events(uint32_t id) const { return slot(id).events; }

size_t RaftCluster::count_events(uint32_t id, std::string_view kind) const {
  const std::vector<Event>& all = slot(id).events;
  return static_cast<size_t>(
      std::count_if(all.begin(), all.end(), [kind](const Event& event) { return event.kind() == kind; }));
}

const std::vector<std::pair<LogIndex, RecordPtr>>& RaftCluster::restores(uint32_t id) const {
  return slot(id).restores;
}

LogIndex RaftCluster::applied(uint32_t id) const { return slot(id).applied; }

LogIndex RaftCluster::applied_max() const {
  return committed_term_.empty() ? LogIndex{} : LogIndex{committed_term_.rbegin()->first};
}

uint32_t RaftCluster::leader() const {
  uint32_t best = 0;
  Term best_term;
  for (uint32_t id = 1; id <= size(); ++id) {
    const Slot& s = slot(id);
    if (s.node != nullptr && s.node->role() == Role::kLeader && (best == 0 || s.node->term() > best_term)) {
      best = id;
      best_term = s.node->term();
    }
  }
  return best;
}

std::vector<uint32_t> RaftCluster::leaders() const {
  std::vector<uint32_t> ids;
  for (uint32_t id = 1; id <= size(); ++id) {
    if (slot(id).node != nullptr && slot(id).node->role() == Role::kLeader) {
      ids.push_back(id);
    }
  }
  return ids;
}

void RaftCluster::elect(uint32_t id) {
  campaign(id);
  stabilize();
  ASSERT_EQ(node(id).role(), Role::kLeader) << "n" << id << " did not win its election";
}

bool RaftCluster::logs_match(uint32_t id) const {
  const RaftNode& reference = *slot(id).node;
  for (uint32_t other = 1; other <= size(); ++other) {
    const Slot& s = slot(other);
    if (s.node == nullptr) {
      continue;
    }
    if (s.node->log().last_index() != reference.log().last_index() ||
        s.node->log().last_hash() != reference.log().last_hash()) {
      return false;
    }
  }
  return true;
}

std::string RaftCluster::describe() const {
  std::string text;
  for (uint32_t id = 1; id <= size(); ++id) {
    const Slot& s = slot(id);
    text += "n" + std::to_string(id) + ": ";
    if (s.node == nullptr) {
      text += "crashed\n";
      continue;
    }
    const RaftNode& raft = *s.node;
    text += std::string(role_name(raft.role())) + " term=" + std::to_string(raft.term().value) +
            " vote=" + std::to_string(raft.voted_for().value) + " leader=" + std::to_string(raft.leader().value) +
            " commit=" + std::to_string(raft.log().committed().value) +
            " snapshot=" + std::to_string(raft.log().snapshot().index.value) + " " + raft.cluster().describe() +
            " log=";
    for (const uint64_t term : log_terms(raft)) {
      text += std::to_string(term) + ",";
    }
    text += "\n";
  }
  return text;
}

// ---------------------------------------------------------------------------------------------
// Helpers

std::vector<uint64_t> log_terms(const RaftNode& node) {
  std::vector<uint64_t> terms;
  for (LogIndex i = node.log().first_index(); i <= node.log().last_index(); i = i.next()) {
    terms.push_back(node.log().at(i).term.value);
  }
  return terms;
}

const RaftMessage* only_message(const RaftCluster& cluster, MessageType type, uint32_t from, uint32_t to) {
  const RaftMessage* found = nullptr;
  int matches = 0;
  for (const Envelope& envelope : cluster.queue()) {
    if (envelope.type() == type && envelope.from.value == from && envelope.to.value == to) {
      found = envelope.message.get();
      ++matches;
    }
  }
  EXPECT_EQ(matches, 1) << message_type_name(type) << " n" << from << "->n" << to;
  return matches == 1 ? found : nullptr;
}

void deliver_elections(RaftCluster& cluster) {
  const MessageFilter election = [](const Envelope& envelope) {
    return envelope.type() != MessageType::kAppend && envelope.type() != MessageType::kAppendResponse;
  };
  while (cluster.deliver(election) > 0) {
  }
}

uint32_t run_until_leader(RaftCluster& cluster, int rounds) {
  for (int round = 0; round < rounds && cluster.leader() == 0; ++round) {
    cluster.tick_all();
    cluster.stabilize();
  }
  return cluster.leader();
}

}  // namespace consim::protocols::raft::testing
