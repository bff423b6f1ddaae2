// What RaftCluster and ZabCluster share: N machines in one simulator, each hosting a protocol
// node (NodeHost) with an application, an online invariant checker fed every trace record of its
// kinds (running stops at its first violation), client requests handed to a node, MIT-style
// connect/disconnect, crash/restart and crash points.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "harness/node_host.h"
#include "protocols/common/effects.h"
#include "sim/simulator.h"
#include "sim/world.h"

namespace consim::harness {

class SimCluster {
 public:
  virtual ~SimCluster();

  sim::Simulator& sim() { return *sim_; }
  sim::World& world() { return *world_; }
  uint32_t size() const { return nodes_; }
  std::vector<protocols::NodeId> nodes() const;
  // The node's host, or null when its machine is down.
  NodeHost* host(protocols::NodeId node) const;
  bool up(protocols::NodeId node) const;

  // Runs until `done` holds (checked after every event), `timeout` of simulated time passes, or
  // an invariant is violated.
  bool run_until(const std::function<bool()>& done, Duration timeout);
  void run_for(Duration duration);
  // "" when every invariant held so far, else "seed=7 event=1234: <the violation>".
  std::string violation_report() const;

  // Offers `value` (a NumberCommand) to `at` as a client write; false if the node is down.
  bool propose(protocols::NodeId at, uint64_t value);
  // Offers a read in `mode` to `at`; false if the node is down.
  bool read(protocols::NodeId at, protocols::ReadMode mode);

  // MIT's disconnect/connect: cut all of a node's links, or restore those to connected nodes.
  void disconnect(protocols::NodeId node);
  void connect(protocols::NodeId node);
  bool connected(protocols::NodeId node) const { return connected_.count(node) != 0; }
  void crash(protocols::NodeId node);
  void restart(protocols::NodeId node);
  // Crashes a machine right before a step of its Ready when `decide(node, step)` says so
  // (see NodeHostHooks::crash_point); null turns it off.
  void set_crash_point(std::function<bool(protocols::NodeId, std::string_view)> decide);

 protected:
  struct Setup {
    uint32_t nodes = 3;
    uint64_t seed = 1;
    sim::LinkParams link;
    sim::DiskParams disk;
    NodeHostOptions host;
  };
  explicit SimCluster(const Setup& setup);

  // Feeds `observe` every trace record of `kinds`, then starts every machine. Called at the end
  // of the derived constructor, once its checker exists.
  void start(const NodeFactory& make_node, const ApplicationFactory& make_application,
             const std::vector<std::string>& kinds, std::function<void(const sim::TraceRecord&)> observe);
  // The online invariants: whether they still hold, and the first violation described.
  virtual bool invariants_ok() const = 0;
  virtual std::string describe_violation() const = 0;
  protocols::RequestId take_request_id() { return protocols::RequestId{next_request_++}; }

 private:
  Setup setup_;
  uint32_t nodes_;
  std::unique_ptr<sim::Simulator> sim_;
  std::unique_ptr<sim::World> world_;
  std::set<protocols::NodeId> connected_;
  uint64_t next_request_ = 1;
  uint64_t violation_event_ = 0;
  std::function<bool(protocols::NodeId, std::string_view)> crash_point_;
  bool crash_point_armed_ = false;  // crash_point_ is set (the hosts read this first)
};

}  // namespace consim::harness
