// The znode model: ZooKeeper's data tree as its documentation and PrepRequestProcessor /
// DataTree specify it (research/zab.md §b), written from that specification, not from
// consim's services.
//
// The key of an operation is a znode path. Operations (f) and their values:
//   create    value = data. Fails NodeExists, or NoNode when the parent is absent.
//   set       value = data, `version` = expected data version (-1 = any). Fails NoNode, BadVersion.
//             An ok value [data, version] reports the node's new version; any other ok value
//             (nothing, or the data repeated) reports nothing.
//   get       ok value = data, or [data, version]. A NoNode failure observes the node absent.
//   sync_get  a get after a sync; the same as get here (consistency levels treat it differently).
//   exists    ok value true or false, null (ZooKeeper's null Stat: absent) or the data version
//             (present with that version). A NoNode failure observes the node absent.
//   delete    `version` as for set. Fails NoNode, BadVersion (checked before NotEmpty), NotEmpty.
//   children  ok value = the list of children, as names ("b") or paths ("/a/b"), in any order.
// Data is null, an integer or a string (never a list, so [data, version] is unambiguous).
//
// Stat versions: a node's data version is 0 at create and +1 on every set; a node created
// again after a delete starts at 0 again.
//
// Failures: in ZooKeeper a failed conditional write becomes an error transaction that is
// ordered by consensus like any write (zab.md §b.2), so create/set/delete failing with NoNode,
// NodeExists, BadVersion or NotEmpty are observations the search must order, and so are reads
// failing with NoNode. Any other failure (or a failure with no error) did not happen and is
// ignored. Writes of unknown outcome (info, pending) are optional; reads of unknown outcome are
// ignored. Error names are matched loosely: "NoNode", "NONODE", ":no-node" and "NoNodeError"
// are the same error.
//
// The tree: the initial tree holds only "/" and ZooKeeper's own "/zookeeper". A path's parent
// is tracked when the checked operations (ignored ones do not count) name it too, as a key or
// as a child in a children listing; then create needs the parent present, a NoNode create
// observes it absent, delete needs no tracked child present, and NotEmpty observes one. A path
// whose parent (or children) they never name may have any parent (or children) outside the
// history. Keys without a leading '/' have no parent.
//
// Partitioning: paths are independent objects unless the history lists children or names both
// a path and its parent; only then is the history checked as one partition.
#pragma once

#include <memory>

#include "checkers/linearizability/model.h"

namespace consim::checkers::lin {

std::unique_ptr<Model> make_znode_model();

}  // namespace consim::checkers::lin
