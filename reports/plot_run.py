#!/usr/bin/env python3
"""Plots one run of `consim run SCENARIO --out RUN_DIR`.

    reports/plot_run.py RUN_DIR [--trace FILE --trace-end-ns N]

Reads RUN_DIR/summary.json, history.jsonl and trace.jsonl and writes, next to them:

  latency.png, latency.svg        each completed operation's latency (log scale) against the
                                  time it was invoked, one panel per operation kind, ok, fail
                                  and info apart
  throughput.png, throughput.svg  operations completed per 100 ms bucket: ok, fail, info

Both share a time axis (seconds of simulated time) with two strips on top: the faults (a
partition or cut lasts until the next heal, a crash or power loss until the node restarts, a
pause for its duration; clock, network, disk and other changes are instants) and which server
believed it was the leader when (Raft: raft.state role=leader; ZAB: zab.state leading in the
broadcast phase). Fault periods are shaded and instants drawn as dotted lines in every panel;
each leader change is a dashed line.

The trace is read a block at a time and only faults and leadership are kept, so a trace of
millions of records needs no more memory than a small one. `consim report`, which has just read
the whole trace, passes the few records the plots use in a file of their own (--trace) with the
trace's end (--trace-end-ns), and the plots are the same. The same files give the same bytes.

Exit codes: 0 written; 2 bad input or usage (one line on stderr naming the file and the line).
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from plot_common import (BadInput, block_lines, json_lines, line_blocks, new_figure, open_input,  # noqa: E402
                         parse_line, read_json_object, run_command, save)

from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter  # noqa: E402

NS_PER_S = 1e9
NS_PER_MS = 1e6
BUCKET_NS = 100 * 1_000_000  # the throughput bucket: 100 ms
OUTCOMES = ("ok", "fail", "info")
OUTCOME_STYLE = {  # colour-blind-safe (Okabe-Ito); the marker tells them apart in greyscale too
    "ok": {"color": "#0072B2", "marker": "o", "s": 6},
    "fail": {"color": "#D55E00", "marker": "x", "s": 14},
    "info": {"color": "#E69F00", "marker": "^", "s": 14},
}
FAULT_COLOURS = {
    "partition": "#CC79A7",
    "cut": "#CC79A7",
    "crash": "#D55E00",
    "power loss": "#D55E00",
    "pause": "#E69F00",
    "heal": "#009E73",
    "clock": "#56B4E9",
    "network": "#0072B2",
    "disk": "#999933",
}
OTHER_FAULT_COLOUR = "#666666"
LEADER_COLOUR = "#6A3D9A"
# Beyond this many operations the latency points go into the SVG as one embedded image instead of
# an element each (a one-hour run has hundreds of thousands: tens of megabytes, slow to draw).
VECTOR_POINTS_MAX = 20_000
# Lanes the fault strip may use; further overlapping faults share the last lane.
FAULT_LANES_MAX = 8


# --- reading


class Operation:
    __slots__ = ("f", "invoked_ns", "completed_ns", "outcome")

    def __init__(self, f, invoked_ns, completed_ns, outcome):
        self.f = f
        self.invoked_ns = invoked_ns
        self.completed_ns = completed_ns
        self.outcome = outcome


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def field(record, name, kinds, path, number):
    value = record.get(name)
    if not isinstance(value, kinds) or isinstance(value, bool):
        raise BadInput(f'{path}:{number}: field "{name}" missing or of the wrong type')
    return value


def read_history(path):
    """The completed operations: an invoke and the same process's next ok, fail or info.
    Returns (operations, pending count, latest time seen)."""
    pending = {}  # process -> (f, invoked_ns)
    operations = []
    latest_ns = 0
    for number, record in json_lines(path):
        process = field(record, "process", int, path, number)
        kind = field(record, "type", str, path, number)
        time_ns = field(record, "time_ns", (int, float), path, number)
        latest_ns = max(latest_ns, time_ns)
        if kind == "invoke":
            if process in pending:
                raise BadInput(f"{path}:{number}: process {process} invokes before its previous operation completed")
            pending[process] = (field(record, "f", str, path, number), time_ns)
        elif kind in OUTCOMES:
            if process not in pending:
                raise BadInput(f"{path}:{number}: {kind} of process {process}, which has no operation pending")
            f, invoked_ns = pending.pop(process)
            operations.append(Operation(f, invoked_ns, time_ns, kind))
        else:
            raise BadInput(f'{path}:{number}: unknown type "{kind}" (invoke, ok, fail or info)')
    return operations, len(pending), latest_ns


def tidy_numbers(text):
    """'250.000000 ms' -> '250 ms', '-500000.000000 ppm' -> '-500000 ppm'."""
    return re.sub(r"(-?\d+\.\d*?)0+\b", lambda m: m.group(1).rstrip("."), text).strip()


def node_list(text):
    return [node for node in text.split(",") if node]


class Span:
    """A fault with a duration, in ns; end_ns None while it lasts."""

    def __init__(self, kind, label, start_ns, end_ns=None):
        self.kind = kind
        self.label = label
        self.start_ns = start_ns
        self.end_ns = end_ns


class Instant:
    """A fault without a duration: a change of clock, network or disk, a heal."""

    def __init__(self, kind, label, t_ns):
        self.kind = kind
        self.label = label
        self.start_ns = t_ns
        self.end_ns = t_ns


class Leadership:
    def __init__(self, node, term_label, start_ns):
        self.node = node
        self.term_label = term_label
        self.start_ns = start_ns
        self.end_ns = None


class TraceReader:
    """Keeps the faults and who led when, record by record."""

    def __init__(self, workload_end_ns=None):
        self.workload_end_ns = workload_end_ns  # when the runner heals everything (summary's duration_ms)
        self.spans = []
        self.instants = []
        self.leaderships = []
        self.latest_ns = 0
        self.nodes = set()
        self._connectivity = []  # open partition and cut spans: the next heal or partition ends them
        self._down = {}  # node -> its open crash span
        self._leading = {}  # node -> its open Leadership

    def read(self, record, path, number):
        t_ns = field(record, "t", (int, float), path, number)
        kind = field(record, "kind", str, path, number)
        node = record.get("node")
        self.latest_ns = max(self.latest_ns, t_ns)
        if kind.startswith("fault."):
            self._fault(t_ns, kind[len("fault."):], record)
        elif kind == "raft.state" and isinstance(node, str):
            self.nodes.add(node)
            term = record.get("term")
            self._lead(t_ns, node, record.get("role") == "leader", f"term {term}")
        elif kind == "zab.state" and isinstance(node, str):
            self.nodes.add(node)
            serving = record.get("state") == "leading" and record.get("phase") == "broadcast"
            self._lead(t_ns, node, serving, f"epoch {record.get('epoch')}")
        elif kind == "host.crash" and isinstance(node, str):
            # A crash no fault record announced at this instant: a crash point striking.
            if node not in self._down:
                self._down[node] = self._open("crash", f"{node} crashed (crash point)", t_ns)
            self._lead(t_ns, node, False, "")
        elif kind == "host.restart" and isinstance(node, str):
            self._close_crash(t_ns, node)

    def _fault(self, t_ns, name, record):
        nodes = record.get("nodes") if isinstance(record.get("nodes"), str) else ""
        detail = tidy_numbers(record.get("detail")) if isinstance(record.get("detail"), str) else ""
        if name == "partition":
            self._close_connectivity(t_ns)
            shape = {"bridge": f"bridge through {nodes}", "majority_ring": "majority ring"}.get(detail, detail)
            self._connectivity.append(self._open("partition", f"partition {shape}", t_ns))
        elif name == "cut":
            target = detail[3:] if detail.startswith("to ") else detail
            self._connectivity.append(self._open("cut", f"cut {nodes} \u2192 {target}", t_ns))
        elif name == "heal":
            self._close_connectivity(t_ns)
            final = self.workload_end_ns is not None and t_ns == self.workload_end_ns
            self.instants.append(Instant("heal", "final heal" if final else "heal", t_ns))
        elif name == "crash" or (name == "disk" and detail == "power loss"):
            kind, what = ("crash", "crashed") if name == "crash" else ("power loss", "power loss")
            for node in node_list(nodes):
                if node not in self._down:  # the node is down until a restart names it
                    self._down[node] = self._open(kind, f"{node} {what}", t_ns)
        elif name == "restart":
            for node in node_list(nodes):
                self._close_crash(t_ns, node)
        elif name == "pause" and re.match(r"^\d+(\.\d*)?\s*ms$", detail):
            for_ns = float(detail.split()[0].removesuffix("ms")) * NS_PER_MS
            for node in node_list(nodes):
                self.spans.append(Span("pause", f"{node} paused {detail}", t_ns, t_ns + for_ns))
        else:
            label = name.replace("_", " ") + (f" {nodes}" if nodes else "") + (f": {detail}" if detail else "")
            self.instants.append(Instant(name, label, t_ns))

    def _open(self, kind, label, t_ns):
        span = Span(kind, label, t_ns)
        self.spans.append(span)
        return span

    def _close_crash(self, t_ns, node):
        span = self._down.pop(node, None)
        if span is not None:
            span.end_ns = t_ns

    def _close_connectivity(self, t_ns):
        for span in self._connectivity:
            span.end_ns = t_ns
        self._connectivity = []

    def _lead(self, t_ns, node, leads, term_label):
        current = self._leading.get(node)
        if leads and current is None:
            self._leading[node] = Leadership(node, term_label, t_ns)
            self.leaderships.append(self._leading[node])
        elif not leads and current is not None:
            current.end_ns = t_ns
            del self._leading[node]

    def finish(self, end_ns):
        for span in self.spans:
            if span.end_ns is None:
                span.end_ns = end_ns
        for leadership in self.leaderships:
            if leadership.end_ns is None:
                leadership.end_ns = end_ns


# The records TraceReader uses, as the canonical writer spells their kind; every other record only
# moves the end of the time axis.
WANTED_KINDS = (b'"kind":"fault.', b'"kind":"raft.state"', b'"kind":"zab.state"', b'"kind":"host.crash"',
                b'"kind":"host.restart"')
CANONICAL_TIME = re.compile(rb'^\{"t":(\d+),.*\}\s*$', re.DOTALL)
# The same on a block of whole lines: every line canonical; the time at the start of a line; a
# wanted kind anywhere.
CANONICAL_BLOCK = re.compile(rb'(?:\{"t":\d+,[^\n]*\}\n)*')
LINE_TIME = re.compile(rb'\{"t":(\d+),')
WANTED = re.compile(b"|".join(re.escape(kind) for kind in WANTED_KINDS))
def read_trace(path, workload_end_ns=None):
    """Reads the trace once, keeping only what the plots draw. The records it uses are parsed in
    full; the others (nearly all: messages, disk, timers) are only checked for shape, a block of
    lines at a time, which makes a trace of millions of lines many times faster. A line of
    another shape is parsed on its own, so a malformed one is still reported."""
    reader = TraceReader(workload_end_ns)
    with open_input(path) as stream:
        for first, block in line_blocks(stream):
            if CANONICAL_BLOCK.fullmatch(block):
                read_canonical_block(reader, block, first, path)
                continue
            for number, line in block_lines(block, first):
                read_line(reader, line, path, number)
    return reader


def read_canonical_block(reader, block, first, path):
    """A block of canonical lines: the ones that name a wanted kind are parsed; the last line's
    time is the block's latest, as a consim trace is in time order (consim report rejects one
    that is not)."""
    last = block.rfind(b"\n", 0, len(block) - 1) + 1
    reader.latest_ns = max(reader.latest_ns, int(LINE_TIME.match(block, last).group(1)))
    # The starts of the lines naming a wanted kind (one regex scan beats a bytes.find per kind).
    starts = sorted({block.rfind(b"\n", 0, match.start()) + 1 for match in WANTED.finditer(block)})
    counted, number = 0, first
    for start in starts:
        number += block.count(b"\n", counted, start)
        counted = start
        end = block.find(b"\n", start) + 1
        reader.read(parse_line(block[start:end], path, number), path, number)


def read_line(reader, line, path, number):
    if not line.strip():
        return
    if not any(kind in line for kind in WANTED_KINDS):
        canonical = CANONICAL_TIME.match(line)
        if canonical:
            reader.latest_ns = max(reader.latest_ns, int(canonical.group(1)))
            return
    reader.read(parse_line(line, path, number), path, number)


class Run:
    def __init__(self, run_dir, trace_path=None, trace_end_ns=0):
        """`trace_path`: a file holding only the trace records the plots read, and `trace_end_ns`
        the time of the whole trace's last record (as `consim report` passes them, having read the
        trace itself); RUN_DIR/trace.jsonl otherwise."""
        summary_path = os.path.join(run_dir, "summary.json")
        self.summary = read_json_object(summary_path)
        self.operations, self.pending, history_end_ns = read_history(os.path.join(run_dir, "history.jsonl"))
        duration_ms = self.summary.get("duration_ms")
        workload_end_ns = round(duration_ms * NS_PER_MS) if is_number(duration_ms) else None
        self.trace = read_trace(trace_path or os.path.join(run_dir, "trace.jsonl"), workload_end_ns)
        self.trace.latest_ns = max(self.trace.latest_ns, trace_end_ns)
        metrics = self.summary.get("metrics")
        simulated_s = metrics.get("simulated_s") if isinstance(metrics, dict) else None
        summary_end_ns = simulated_s * NS_PER_S if is_number(simulated_s) else 0
        self.end_ns = round(max(summary_end_ns, history_end_ns, self.trace.latest_ns, 1))
        self.trace.finish(self.end_ns)
        nodes = self.summary.get("nodes")
        if isinstance(nodes, int) and not isinstance(nodes, bool) and 0 < nodes <= 64:
            self.servers = [f"n{i}" for i in range(1, nodes + 1)]
        else:  # the servers that reported a role
            self.servers = sorted(self.trace.nodes, key=server_order)

    def title(self):
        s = self.summary
        return (f"{s.get('scenario', '?')}: {s.get('protocol', '?')}, {s.get('service', '?')}, "
                f"{s.get('nodes', '?')} servers, seed {s.get('seed', '?')}, verdict {s.get('verdict', '?')}")


def server_order(name):
    digits = name[1:]
    return (0, int(digits), name) if digits.isdigit() else (1, 0, name)


# --- drawing


def fault_colour(kind):
    return FAULT_COLOURS.get(kind, OTHER_FAULT_COLOUR)


def seconds(ns):
    return ns / NS_PER_S


def place_labels(items, end_ns, width_in):
    """A lane for each fault (Span or Instant), and which side of its start its label goes, so
    that no two overlap, labels included (about 0.07 in per character at the strip's font size).
    A label that would run past the end of the axis goes to the left of its start.
    Returns ([(lane, label on the left)], lane count)."""
    ns_per_char = end_ns * 0.07 / max(width_in, 1)
    lane_ends = []
    placed = []
    for item in items:
        label_ns = (len(item.label) + 2) * ns_per_char
        left = item.start_ns + label_ns > end_ns
        start = item.start_ns - label_ns if left else item.start_ns
        end = max(item.end_ns, item.start_ns if left else item.start_ns + label_ns)
        lane = next((i for i, lane_end in enumerate(lane_ends) if lane_end <= start), None)
        if lane is None:
            lane = min(len(lane_ends), FAULT_LANES_MAX - 1)
            if lane == len(lane_ends):
                lane_ends.append(end)
        lane_ends[lane] = max(lane_ends[lane], end)
        placed.append((lane, left))
    return placed, max(len(lane_ends), 1)


def fault_items(run):
    items = list(run.trace.spans) + list(run.trace.instants)
    items.sort(key=lambda item: (item.start_ns, item.label))
    return items


def draw_fault_strip(ax, items, placed, lane_count):
    ax.set_ylim(lane_count, 0)
    ax.set_yticks([])
    ax.set_ylabel("faults", rotation=0, ha="right", va="center")
    for index, (item, (lane, left)) in enumerate(zip(items, placed)):
        start, end = seconds(item.start_ns), seconds(item.end_ns)
        kind = item.kind.replace(" ", "-")
        if isinstance(item, Span):
            ax.barh(lane + 0.5, max(end - start, 0), left=start, height=0.8, color=fault_colour(item.kind),
                    alpha=0.45, linewidth=0, gid=f"fault-span-{kind}-{index}")
        else:
            ax.vlines(start, lane + 0.1, lane + 0.9, color=fault_colour(item.kind), linewidth=1.5,
                      gid=f"fault-instant-{kind}-{index}")
        text = f"{item.label} " if left else f" {item.label}"
        ax.text(start, lane + 0.5, text, va="center", ha="right" if left else "left", fontsize=7, clip_on=True,
                gid=f"fault-label-{index}")
    if not items:
        ax.text(0.5, 0.5, "no faults", transform=ax.transAxes, ha="center", va="center", fontsize=7,
                color="#666666")


def draw_leader_strip(ax, run):
    rows = {node: i for i, node in enumerate(run.servers)}
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_yticks(range(len(rows)), list(rows))
    ax.tick_params(axis="y", labelsize=7, length=0)
    ax.set_ylabel("leader", rotation=0, ha="right", va="center", labelpad=18)
    for index, leadership in enumerate(run.trace.leaderships):
        row = rows.get(leadership.node)
        if row is None:
            continue
        start, end = seconds(leadership.start_ns), seconds(leadership.end_ns)
        ax.barh(row, end - start, left=start, height=0.7, color=LEADER_COLOUR, alpha=0.75, linewidth=0,
                gid=f"leadership-{leadership.node}-{index}")
        ax.text(start, row, " " + leadership.term_label, va="center", ha="left", fontsize=6, color="white",
                clip_on=True)


def shade_faults(ax, run):
    """The fault periods, instants and leader changes across a data panel."""
    for index, span in enumerate(run.trace.spans):
        ax.axvspan(seconds(span.start_ns), seconds(span.end_ns), color=fault_colour(span.kind), alpha=0.13,
                   linewidth=0, gid=f"fault-shade-{span.kind.replace(' ', '-')}-{index}")
    for index, instant in enumerate(run.trace.instants):
        ax.axvline(seconds(instant.start_ns), color=fault_colour(instant.kind), linestyle=":", linewidth=1,
                   gid=f"fault-mark-{instant.kind}-{index}")
    for index, leadership in enumerate(run.trace.leaderships):
        ax.axvline(seconds(leadership.start_ns), color=LEADER_COLOUR, linestyle="--", linewidth=0.8,
                   gid=f"leader-change-{index}")


def layout(run, panels, panel_height_in):
    """A figure with the fault strip, the leader strip and `panels` data panels sharing the time
    axis. Returns (figure, fault axis, data axes)."""
    width_in = 11.0
    items = fault_items(run)
    placed, lane_count = place_labels(items, run.end_ns, width_in - 2.3)
    heights = [0.22 * lane_count + 0.1, 0.16 * len(run.servers) + 0.1] + [panel_height_in] * panels
    figure = new_figure(width_in, sum(heights) + 0.9, right_in=0.25)
    axes = figure.subplots(len(heights), 1, sharex=True, gridspec_kw={"height_ratios": heights})
    figure.suptitle(run.title())
    draw_fault_strip(axes[0], items, placed, lane_count)
    draw_leader_strip(axes[1], run)
    for ax in axes[:2]:
        ax.tick_params(axis="x", length=0)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    for ax in axes[2:]:
        shade_faults(ax, run)
        ax.grid(axis="y", color="#DDDDDD", linewidth=0.5)
    axes[-1].set_xlim(0, seconds(run.end_ns))
    axes[-1].set_xlabel("simulated time (s)")
    return figure, list(axes[2:])


def plot_latency(run, stem):
    kinds = sorted({op.f for op in run.operations}) or ["(no operations)"]
    figure, axes = layout(run, len(kinds), 1.5)
    counts = {outcome: sum(1 for op in run.operations if op.outcome == outcome) for outcome in OUTCOMES}
    for ax, kind in zip(axes, kinds):
        if ax is not axes[0]:
            ax.sharey(axes[0])  # one latency scale for every kind
        ax.set_yscale("log")
        ax.set_ylabel(f"{kind}\nlatency (ms)")
        for outcome in OUTCOMES:
            ops = [op for op in run.operations if op.f == kind and op.outcome == outcome]
            xs = [seconds(op.invoked_ns) for op in ops]
            ys = [max((op.completed_ns - op.invoked_ns) / NS_PER_MS, 1e-3) for op in ops]
            ax.scatter(xs, ys, linewidths=0.8, label=f"{outcome} ({counts[outcome]})", zorder=3,
                       gid=f"latency-{kind}-{outcome}", rasterized=len(run.operations) > VECTOR_POINTS_MAX,
                       **OUTCOME_STYLE[outcome])
    if not run.operations:
        axes[0].text(0.5, 0.5, "no completed operations", transform=axes[0].transAxes, ha="center")
    for ax in axes:
        ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        ax.yaxis.set_minor_formatter(NullFormatter())
    axes[0].legend(loc="upper left", bbox_to_anchor=(1.005, 1), title="outcome\n(by invocation\ntime)",
                   title_fontsize=7, markerscale=1.5)
    if run.pending:
        axes[-1].annotate(f"{run.pending} operations never completed (not shown)", (1, 0),
                          xycoords="axes fraction", xytext=(0, -24), textcoords="offset points",
                          ha="right", fontsize=7)
    save(figure, stem)


def plot_throughput(run, stem):
    figure, (ax,) = layout(run, 1, 2.4)
    buckets = int(run.end_ns // BUCKET_NS) + 1
    starts = [seconds(i * BUCKET_NS) for i in range(buckets + 1)]
    for outcome in OUTCOMES:
        counts = [0] * (buckets + 1)
        for op in run.operations:
            if op.outcome == outcome:
                counts[int(op.completed_ns // BUCKET_NS)] += 1
        counts[-1] = counts[-2]  # the step's last edge
        style = OUTCOME_STYLE[outcome]
        total = sum(counts[:-1])
        if outcome == "ok":
            ax.fill_between(starts, counts, step="post", color=style["color"], alpha=0.35, linewidth=0,
                            gid="throughput-ok-fill")
        ax.step(starts, counts, where="post", color=style["color"], linewidth=1,
                label=f"{outcome} ({total})", gid=f"throughput-{outcome}")
    ax.set_ylabel("operations completed\nper 100 ms")
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="upper left", bbox_to_anchor=(1.005, 1), title="outcome\n(by completion\ntime)",
              title_fontsize=7)
    save(figure, stem)


def plot_run_dir(run_dir, args=None):
    run = Run(run_dir, getattr(args, "trace", None), getattr(args, "trace_end_ns", 0))
    plot_latency(run, os.path.join(run_dir, "latency"))
    plot_throughput(run, os.path.join(run_dir, "throughput"))
    return "latency.png/.svg, throughput.png/.svg"


def main(argv):
    return run_command(argv, "plot_run.py",
                       "Plot latency and throughput of a `consim run --out RUN_DIR` directory, "
                       "with faults and leader changes marked.", "RUN_DIR", plot_run_dir, add_trace_options)


def add_trace_options(parser):
    parser.add_argument("--trace", metavar="FILE",
                        help="read the trace records the plots use (faults, roles, crashes and restarts) "
                             "from FILE instead of RUN_DIR/trace.jsonl")
    parser.add_argument("--trace-end-ns", type=int, default=0, metavar="N",
                        help="with --trace: the time of the whole trace's last record")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
