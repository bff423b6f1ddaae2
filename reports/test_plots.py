#!/usr/bin/env python3
"""Tests of plot_run.py and plot_compare.py (CTest `reports_plots`, label unit).

    test_plots.py --consim PATH/TO/consim [unittest arguments]

Runs the built consim on a Raft and a ZAB scenario, plots both runs and the compare.json
fixture (testdata/compare.json: a real `consim compare scenarios/raft/leader-crash.json` with a
few figures set to null, as its notes say), and checks the files, the faults and leaders they
draw, that a second run writes the same bytes, and that bad input exits 2 naming the file.
The fault and leadership readers are also checked on small synthetic traces.
"""

import argparse
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ElementTree

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PLOT_RUN = os.path.join(HERE, "plot_run.py")
PLOT_COMPARE = os.path.join(HERE, "plot_compare.py")
FIXTURE = os.path.join(HERE, "testdata", "compare.json")
CONSIM = None  # set from the command line

sys.path.insert(0, HERE)
import plot_common  # noqa: E402
import plot_run  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
COMPARE_GROUPS = ("latency", "throughput", "cost", "elections", "failover", "recovery", "anomalies")


def run_script(script, directory):
    """Runs a plotting script with this interpreter (the one with matplotlib)."""
    return subprocess.run([sys.executable, script, directory], capture_output=True, text=True, check=False)


def svg_ids_and_texts(path):
    root = ElementTree.parse(path).getroot()  # raises if the SVG is not well-formed XML
    ids = [element.get("id") for element in root.iter() if element.get("id")]
    texts = ["".join(element.itertext()).strip() for element in root.iter("{http://www.w3.org/2000/svg}text")]
    return ids, texts


def trace_faults(trace_path):
    """The fault records of a trace, read independently of plot_run.py."""
    faults = []
    with open(trace_path, encoding="utf-8") as stream:
        for line in stream:
            if '"kind":"fault.' in line:
                faults.append(json.loads(line))
    return faults


class PlotTestCase(unittest.TestCase):
    def assert_png(self, path):
        with open(path, "rb") as stream:
            data = stream.read()
        self.assertEqual(data[:8], PNG_SIGNATURE, path)
        self.assertEqual(data[12:16], b"IHDR", path)
        width, height = struct.unpack(">II", data[16:24])
        self.assertGreaterEqual(width, 500, path)
        self.assertGreaterEqual(height, 300, path)
        self.assertGreater(len(data), 10_000, f"{path}: suspiciously small")

    def assert_plotted(self, result):
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stderr, "")


class PlotRunOnConsimRuns(PlotTestCase):
    """plot_run.py on directories written by `consim run --out`."""

    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="consim-plots-")
        cls.runs = {}
        for name, scenario in (("raft", "raft/leader-crash.json"), ("zab", "zab/minority-partition.json")):
            out = os.path.join(cls.work, name)
            subprocess.run([CONSIM, "run", os.path.join(REPO, "scenarios", scenario), "--out", out, "--no-report"],
                           capture_output=True, check=True)
            cls.runs[name] = out
        cls.results = {name: run_script(PLOT_RUN, out) for name, out in cls.runs.items()}

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.work, ignore_errors=True)

    def test_writes_four_files_per_run(self):
        for name, out in self.runs.items():
            with self.subTest(run=name):
                self.assert_plotted(self.results[name])
                for stem in ("latency", "throughput"):
                    self.assert_png(os.path.join(out, f"{stem}.png"))
                    svg_ids_and_texts(os.path.join(out, f"{stem}.svg"))

    def test_raft_leader_crash_shades_the_crash_and_marks_leaders(self):
        out = self.runs["raft"]
        crashes = [f for f in trace_faults(os.path.join(out, "trace.jsonl")) if f["kind"] == "fault.crash"]
        self.assertEqual(len(crashes), 1)
        for stem in ("latency", "throughput"):
            ids, texts = svg_ids_and_texts(os.path.join(out, f"{stem}.svg"))
            self.assertIn(f"{crashes[0]['nodes']} crashed", texts)
            self.assertTrue(any(i.startswith("fault-shade-crash-") for i in ids), stem)
            self.assertTrue(any(i.startswith("fault-span-crash-") for i in ids), stem)
            self.assertIn("final heal", texts)
            # The first leader, and its successor after the crash.
            self.assertGreaterEqual(sum(i.startswith("leader-change-") for i in ids), 2, stem)
            self.assertGreaterEqual(sum(i.startswith("leadership-") for i in ids), 2, stem)

    def test_zab_minority_partition_shades_the_partition(self):
        out = self.runs["zab"]
        partitions = [f for f in trace_faults(os.path.join(out, "trace.jsonl")) if f["kind"] == "fault.partition"]
        self.assertEqual(len(partitions), 1)
        ids, texts = svg_ids_and_texts(os.path.join(out, "latency.svg"))
        self.assertIn(f"partition {partitions[0]['detail']}", texts)
        self.assertTrue(any(i.startswith("fault-shade-partition-") for i in ids))
        self.assertTrue(any(i.startswith("leadership-") for i in ids))
        self.assertTrue(any("epoch" in text for text in texts))

    def test_latency_panels_follow_operation_kinds(self):
        out = self.runs["raft"]
        kinds = set()
        with open(os.path.join(out, "history.jsonl"), encoding="utf-8") as stream:
            for line in stream:
                kinds.add(json.loads(line)["f"])
        self.assertGreaterEqual(len(kinds), 2)
        ids, texts = svg_ids_and_texts(os.path.join(out, "latency.svg"))
        for kind in kinds:
            self.assertIn(f"latency-{kind}-ok", ids)
            self.assertIn(kind, texts)  # the panel's label

    def test_a_second_run_writes_the_same_bytes(self):
        out = self.runs["raft"]
        before = {}
        for name in ("latency.svg", "throughput.svg", "latency.png", "throughput.png"):
            with open(os.path.join(out, name), "rb") as stream:
                before[name] = stream.read()
        self.assert_plotted(run_script(PLOT_RUN, out))
        for name, data in before.items():
            with open(os.path.join(out, name), "rb") as stream:
                self.assertEqual(stream.read(), data, f"{name} differs between two runs")

    def test_consim_report_draws_what_the_script_draws_alone(self):
        # `consim report` hands the script only the records it draws (--trace, --trace-end-ns).
        for name, out in self.runs.items():
            with self.subTest(run=name):
                rendered = os.path.join(self.work, name + "-rendered")
                shutil.copytree(out, rendered)
                for stem in ("latency", "throughput"):
                    for extension in ("png", "svg"):
                        os.remove(os.path.join(rendered, f"{stem}.{extension}"))
                report = subprocess.run([CONSIM, "report", rendered, "--quiet"], capture_output=True, text=True,
                                        check=False)
                self.assertEqual(report.returncode, 0, report.stderr)
                self.assertEqual([f for f in os.listdir(rendered) if f.endswith(".tmp")], [])
                for file in ("latency.png", "latency.svg", "throughput.png", "throughput.svg"):
                    with open(os.path.join(out, file), "rb") as a, open(os.path.join(rendered, file), "rb") as b:
                        self.assertEqual(a.read(), b.read(), f"{name} {file}")


def write_run(directory, history, trace, summary=None):
    """A small run directory: lists of records (or raw text lines) for each file."""
    os.makedirs(directory, exist_ok=True)
    summary = summary or {"scenario": "synthetic", "protocol": "raft", "service": "kv", "nodes": 3,
                          "seed": 1, "duration_ms": 1000.0, "verdict": "pass", "metrics": {"simulated_s": 1.2}}
    with open(os.path.join(directory, "summary.json"), "w", encoding="utf-8") as stream:
        json.dump(summary, stream)
    for name, lines in (("history.jsonl", history), ("trace.jsonl", trace)):
        with open(os.path.join(directory, name), "w", encoding="utf-8") as stream:
            for line in lines:
                stream.write((line if isinstance(line, str) else json.dumps(line, separators=(",", ":"))) + "\n")


MS = 1_000_000
SYNTHETIC_HISTORY = [
    {"process": 0, "type": "invoke", "f": "write", "key": "k1", "value": 1, "time_ns": 10 * MS},
    {"process": 1, "type": "invoke", "f": "read", "key": "k1", "value": None, "time_ns": 20 * MS},
    {"process": 0, "type": "ok", "f": "write", "key": "k1", "value": 1, "time_ns": 30 * MS},
    {"process": 1, "type": "fail", "f": "read", "key": "k1", "value": None, "time_ns": 260 * MS},
    {"process": 2, "type": "invoke", "f": "write", "key": "k1", "value": 2, "time_ns": 300 * MS},
    {"process": 2, "type": "info", "f": "write", "key": "k1", "value": 2, "time_ns": 800 * MS},
]
SYNTHETIC_TRACE = [
    {"t": 0, "node": "n1", "kind": "raft.state", "role": "follower", "term": 0},
    {"t": 5 * MS, "node": "n1", "kind": "raft.state", "role": "leader", "term": 1},
    {"t": 6 * MS, "node": "n1", "kind": "net.send", "to": "n2", "msg": "AppendEntries"},
    {"t": 100 * MS, "kind": "fault.pause", "nodes": "n2", "detail": "250.000000 ms"},
    {"t": 150 * MS, "kind": "fault.cut", "nodes": "n3", "detail": "to n1"},
    {"t": 200 * MS, "kind": "fault.clock", "nodes": "n2", "detail": "drift -500000.000000 ppm"},
    {"t": 300 * MS, "kind": "fault.partition", "nodes": "n1,n2,n3", "detail": "n1|n2,n3"},
    {"t": 400 * MS, "kind": "fault.crash", "nodes": "n1"},
    {"t": 400 * MS, "node": "n1", "kind": "host.crash", "incarnation": 1},
    {"t": 450 * MS, "node": "n2", "kind": "raft.state", "role": "leader", "term": 2},
    {"t": 500 * MS, "kind": "fault.heal", "nodes": ""},
    {"t": 600 * MS, "kind": "fault.restart", "nodes": "n1"},
    {"t": 600 * MS, "node": "n1", "kind": "host.restart", "incarnation": 2},
    {"t": 700 * MS, "kind": "fault.crash_point", "nodes": "n3", "detail": "before sync"},
    {"t": 720 * MS, "node": "n3", "kind": "host.crash", "incarnation": 1},
    {"t": 1000 * MS, "kind": "fault.heal", "nodes": ""},
    {"t": 1000 * MS, "kind": "fault.restart", "nodes": "n3", "detail": "final heal"},
]


class FaultsAndLeaders(PlotTestCase):
    """What plot_run.py reads from a trace, on a synthetic one."""

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="consim-plots-")

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def spans(self, reader):
        return [(s.kind, s.label, s.start_ns // MS, s.end_ns // MS) for s in reader.spans]

    def test_each_fault_lasts_as_the_trace_says(self):
        write_run(self.work, SYNTHETIC_HISTORY, SYNTHETIC_TRACE)
        run = plot_run.Run(self.work)
        self.assertEqual(self.spans(run.trace), [
            ("pause", "n2 paused 250 ms", 100, 350),
            ("cut", "cut n3 \u2192 n1", 150, 300),  # a partition replaces the cuts in force
            ("partition", "partition n1|n2,n3", 300, 500),
            ("crash", "n1 crashed", 400, 600),
            ("crash", "n3 crashed (crash point)", 720, 1000),
        ])
        instants = [(i.kind, i.label, i.start_ns // MS) for i in run.trace.instants]
        self.assertEqual(instants, [("clock", "clock n2: drift -500000 ppm", 200), ("heal", "heal", 500),
                                    ("crash_point", "crash point n3: before sync", 700),
                                    ("heal", "final heal", 1000)])

    def test_leadership_ends_with_a_crash_and_a_new_leader_starts_its_own(self):
        write_run(self.work, SYNTHETIC_HISTORY, SYNTHETIC_TRACE)
        run = plot_run.Run(self.work)
        leaders = [(l.node, l.term_label, l.start_ns // MS, l.end_ns // MS) for l in run.trace.leaderships]
        self.assertEqual(leaders, [("n1", "term 1", 5, 400), ("n2", "term 2", 450, 1200)])

    def read_in_blocks(self, block_bytes):
        saved = plot_common.BLOCK_BYTES
        plot_common.BLOCK_BYTES = block_bytes
        try:
            reader = plot_run.read_trace(os.path.join(self.work, "trace.jsonl"))
        finally:
            plot_common.BLOCK_BYTES = saved
        leaders = [(l.node, l.start_ns, l.end_ns) for l in reader.leaderships]
        return self.spans(reader), [(i.kind, i.start_ns) for i in reader.instants], leaders, reader.latest_ns

    def test_blocks_of_any_size_read_the_same(self):
        # Canonical lines, a blank one and one with spaces (read on their own), and a latest time
        # on a line the plots skip.
        trace = [json.dumps(r, separators=(",", ":")) for r in SYNTHETIC_TRACE]
        trace.insert(4, "")
        trace.insert(7, json.dumps({"t": 310 * MS, "kind": "fault.cut", "nodes": "n2", "detail": "to n3"}))
        trace.append(json.dumps({"t": 1300 * MS, "node": "n2", "kind": "net.send"}, separators=(",", ":")))
        write_run(self.work, SYNTHETIC_HISTORY, trace)
        whole = self.read_in_blocks(1 << 22)
        self.assertEqual(whole[3], 1300 * MS)
        for block_bytes in (1, 7, 64, 150, 1000):
            self.assertEqual(self.read_in_blocks(block_bytes), whole, block_bytes)

    def test_a_malformed_line_is_named_whatever_the_block(self):
        # A net.send the plots skip, cut short; a fault they read, of the canonical shape but not JSON.
        for index, broken in ((2, lambda line: line[:-1]), (11, lambda line: line.replace('"nodes"', "nodes"))):
            trace = [json.dumps(r, separators=(",", ":")) for r in SYNTHETIC_TRACE]
            trace[index] = broken(trace[index])
            write_run(self.work, SYNTHETIC_HISTORY, trace)
            for block_bytes in (7, 150, 1 << 22):
                with self.assertRaises(plot_run.BadInput, msg=(index, block_bytes)) as raised:
                    self.read_in_blocks(block_bytes)
                self.assertIn(f"trace.jsonl:{index + 1}:", str(raised.exception), (index, block_bytes))

    def read_history_in_blocks(self, block_bytes):
        saved = plot_common.BLOCK_BYTES
        plot_common.BLOCK_BYTES = block_bytes
        try:
            operations, pending, latest_ns = plot_run.read_history(os.path.join(self.work, "history.jsonl"))
        finally:
            plot_common.BLOCK_BYTES = saved
        return [(o.f, o.invoked_ns, o.completed_ns, o.outcome) for o in operations], pending, latest_ns

    def test_history_blocks_of_any_size_read_the_same(self):
        history = [json.dumps(r) for r in SYNTHETIC_HISTORY]
        history.insert(3, "   ")  # a blank line: its block is read line by line
        write_run(self.work, history, SYNTHETIC_TRACE)
        whole = self.read_history_in_blocks(1 << 22)
        self.assertEqual(len(whole[0]), 3)
        self.assertEqual(whole[1:], (0, 800 * MS))
        for block_bytes in (1, 50, 200, 400):
            self.assertEqual(self.read_history_in_blocks(block_bytes), whole, block_bytes)

    def test_a_history_line_of_two_objects_is_named(self):
        history = [json.dumps(r, separators=(",", ":")) for r in SYNTHETIC_HISTORY]
        history[1] = history[1] + "," + history[1]  # a valid array element, not a JSON line
        write_run(self.work, history, SYNTHETIC_TRACE)
        for block_bytes in (50, 1 << 22):
            with self.assertRaises(plot_run.BadInput, msg=block_bytes) as raised:
                self.read_history_in_blocks(block_bytes)
            self.assertIn("history.jsonl:2:", str(raised.exception), block_bytes)

    def test_zab_leads_from_the_broadcast_phase(self):
        trace = [
            {"t": 0, "node": "n1", "kind": "zab.state", "state": "looking", "phase": "election", "epoch": 0},
            {"t": 10 * MS, "node": "n1", "kind": "zab.state", "state": "leading", "phase": "discovery", "epoch": 0},
            {"t": 20 * MS, "node": "n1", "kind": "zab.state", "state": "leading", "phase": "broadcast", "epoch": 1},
            {"t": 90 * MS, "node": "n1", "kind": "zab.state", "state": "looking", "phase": "election", "epoch": 1},
        ]
        write_run(self.work, [], trace)
        run = plot_run.Run(self.work)
        leaders = [(l.node, l.term_label, l.start_ns // MS, l.end_ns // MS) for l in run.trace.leaderships]
        self.assertEqual(leaders, [("n1", "epoch 1", 20, 90)])

    def test_operations_pair_each_invoke_with_its_completion(self):
        write_run(self.work, SYNTHETIC_HISTORY, SYNTHETIC_TRACE)
        run = plot_run.Run(self.work)
        self.assertEqual([(o.f, o.outcome, o.invoked_ns // MS, o.completed_ns // MS) for o in run.operations],
                         [("write", "ok", 10, 30), ("read", "fail", 20, 260), ("write", "info", 300, 800)])
        self.assertEqual(run.end_ns, 1200 * MS)  # summary's simulated_s, past the last record

    def test_synthetic_run_draws_every_label(self):
        write_run(self.work, SYNTHETIC_HISTORY, SYNTHETIC_TRACE)
        self.assert_plotted(run_script(PLOT_RUN, self.work))
        ids, texts = svg_ids_and_texts(os.path.join(self.work, "latency.svg"))
        for label in ("n2 paused 250 ms", "cut n3 \u2192 n1", "partition n1|n2,n3", "n1 crashed",
                      "n3 crashed (crash point)", "clock n2: drift -500000 ppm", "final heal", "term 1", "term 2"):
            self.assertIn(label, texts)
        for prefix in ("fault-shade-pause-", "fault-shade-cut-", "fault-shade-partition-", "fault-shade-crash-",
                       "fault-mark-clock-", "fault-mark-heal-", "leader-change-"):
            self.assertTrue(any(i.startswith(prefix) for i in ids), prefix)

    def test_many_operations_become_one_image_in_the_svg(self):
        def latency_svg(operations):
            history = []
            for i in range(operations):
                invoked = i * MS
                history.append({"process": i % 7, "type": "invoke", "f": "read", "key": "k1", "value": None,
                                "time_ns": invoked})
                history.append({"process": i % 7, "type": "ok", "f": "read", "key": "k1", "value": 1,
                                "time_ns": invoked + (i % 5 + 1) * 100_000})
            history.sort(key=lambda r: r["time_ns"])
            write_run(self.work, history, SYNTHETIC_TRACE)
            self.assert_plotted(run_script(PLOT_RUN, self.work))
            with open(os.path.join(self.work, "latency.svg"), encoding="utf-8") as stream:
                return stream.read()

        few = latency_svg(plot_run.VECTOR_POINTS_MAX)
        many = latency_svg(plot_run.VECTOR_POINTS_MAX + 1)
        self.assertNotIn("<image", few)
        self.assertGreater(few.count("<use "), plot_run.VECTOR_POINTS_MAX)  # a marker per point
        self.assertIn("<image", many)
        self.assertLess(many.count("<use "), 100)
        self.assertLess(len(many), len(few) / 5)


class BadInputExitsTwo(unittest.TestCase):
    """Bad input exits 2 with one message naming the file (and the line), and writes nothing."""

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="consim-plots-")

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def assert_rejected(self, script, directory, *names):
        result = run_script(script, directory)
        self.assertEqual(result.returncode, 2, result.stderr)
        self.assertEqual(result.stdout, "")
        self.assertEqual(len(result.stderr.strip().splitlines()), 1, result.stderr)
        for name in names:
            self.assertIn(name, result.stderr)
        if os.path.isdir(directory):
            written = [f for f in os.listdir(directory) if f.endswith((".png", ".svg", ".tmp"))]
            self.assertEqual(written, [])

    def test_missing_run_directory(self):
        missing = os.path.join(self.work, "no-such-run")
        self.assert_rejected(PLOT_RUN, missing, missing)

    def test_missing_history(self):
        write_run(self.work, SYNTHETIC_HISTORY, SYNTHETIC_TRACE)
        os.remove(os.path.join(self.work, "history.jsonl"))
        self.assert_rejected(PLOT_RUN, self.work, os.path.join(self.work, "history.jsonl"))

    def test_missing_summary(self):
        write_run(self.work, SYNTHETIC_HISTORY, SYNTHETIC_TRACE)
        os.remove(os.path.join(self.work, "summary.json"))
        self.assert_rejected(PLOT_RUN, self.work, "summary.json")

    def test_malformed_history_line(self):
        history = [json.dumps(r) for r in SYNTHETIC_HISTORY]
        history[2] = history[2][:25]  # a line cut short
        write_run(self.work, history, SYNTHETIC_TRACE)
        self.assert_rejected(PLOT_RUN, self.work, "history.jsonl:3", "malformed JSON")

    def test_malformed_trace_line_of_a_kind_the_plot_skips(self):
        trace = [json.dumps(r, separators=(",", ":")) for r in SYNTHETIC_TRACE]
        trace[2] = trace[2][:-1]  # the net.send record, without its closing brace
        write_run(self.work, SYNTHETIC_HISTORY, trace)
        self.assert_rejected(PLOT_RUN, self.work, "trace.jsonl:3", "malformed JSON")

    def test_malformed_trace_line_of_a_fault(self):
        trace = [json.dumps(r, separators=(",", ":")) for r in SYNTHETIC_TRACE]
        trace[3] = trace[3].replace('"detail"', "detail")
        write_run(self.work, SYNTHETIC_HISTORY, trace)
        self.assert_rejected(PLOT_RUN, self.work, "trace.jsonl:4")

    def test_completion_without_invocation(self):
        write_run(self.work, SYNTHETIC_HISTORY[2:], SYNTHETIC_TRACE)
        self.assert_rejected(PLOT_RUN, self.work, "history.jsonl:1", "no operation pending")

    def test_missing_compare_json(self):
        self.assert_rejected(PLOT_COMPARE, self.work, os.path.join(self.work, "compare.json"))

    def test_malformed_compare_json(self):
        with open(FIXTURE, encoding="utf-8") as stream:
            text = stream.read()
        with open(os.path.join(self.work, "compare.json"), "w", encoding="utf-8") as stream:
            stream.write(text[: len(text) // 2])
        self.assert_rejected(PLOT_COMPARE, self.work, "compare.json", "not JSON")

    def test_compare_json_without_figures(self):
        with open(os.path.join(self.work, "compare.json"), "w", encoding="utf-8") as stream:
            json.dump({"protocols": {"raft": {"runs": [], "figures": {}}}, "figures": [{"id": "x"}]}, stream)
        self.assert_rejected(PLOT_COMPARE, self.work, "compare.json", "figures[0].title")


class PlotCompareOnFixture(PlotTestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="consim-plots-")
        shutil.copy(FIXTURE, os.path.join(cls.work, "compare.json"))
        cls.result = run_script(PLOT_COMPARE, cls.work)
        with open(FIXTURE, encoding="utf-8") as stream:
            cls.fixture = json.load(stream)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.work, ignore_errors=True)

    def test_one_chart_per_group(self):
        self.assert_plotted(self.result)
        groups = {figure["group"] for figure in self.fixture["figures"]}
        self.assertEqual(groups, set(COMPARE_GROUPS))
        for group in COMPARE_GROUPS + ("read-modes",):
            self.assert_png(os.path.join(self.work, f"compare-{group}.png"))
            svg_ids_and_texts(os.path.join(self.work, f"compare-{group}.svg"))

    def test_every_figure_has_a_bar_or_na_per_protocol(self):
        self.assert_plotted(self.result)
        for figure in self.fixture["figures"]:
            ids, texts = svg_ids_and_texts(os.path.join(self.work, f"compare-{figure['group']}.svg"))
            for protocol, entry in self.fixture["protocols"].items():
                summary = entry["figures"][figure["id"]]
                with self.subTest(figure=figure["id"], protocol=protocol):
                    if summary["n"] == 0:
                        self.assertIn(f"na-{protocol}-{figure['id']}", ids)
                        self.assertNotIn(f"bar-{protocol}-{figure['id']}", ids)
                        self.assertIn("n/a", texts)
                    else:
                        self.assertIn(f"bar-{protocol}-{figure['id']}", ids)
                        self.assertIn(f"bar-{protocol}-{figure['id']}-spread", ids)

    def test_partial_figures_say_how_many_runs_had_them(self):
        self.assert_plotted(self.result)
        self.assertEqual(self.fixture["protocols"]["zab"]["figures"]["failover_sync_ms"]["n"], 2)
        _, texts = svg_ids_and_texts(os.path.join(self.work, "compare-failover.svg"))
        self.assertTrue(any("n=2 of 3" in text for text in texts), texts)

    def test_a_second_run_writes_the_same_bytes(self):
        self.assert_plotted(self.result)
        before = {}
        for group in COMPARE_GROUPS + ("read-modes",):
            for extension in ("svg", "png"):
                with open(os.path.join(self.work, f"compare-{group}.{extension}"), "rb") as stream:
                    before[f"compare-{group}.{extension}"] = stream.read()
        self.assert_plotted(run_script(PLOT_COMPARE, self.work))
        for name, data in before.items():
            with open(os.path.join(self.work, name), "rb") as stream:
                self.assertEqual(stream.read(), data, f"{name} differs between two runs")


def main():
    global CONSIM
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--consim", required=True, help="the built consim binary")
    args, rest = parser.parse_known_args()
    CONSIM = os.path.abspath(args.consim)
    if not os.access(CONSIM, os.X_OK):
        sys.exit(f"test_plots.py: {CONSIM}: not an executable")
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
