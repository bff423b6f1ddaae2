#!/usr/bin/env python3
"""Charts the comparison `consim compare SCENARIO --out COMPARE_DIR` wrote.

    reports/plot_compare.py COMPARE_DIR

Reads COMPARE_DIR/compare.json and writes, next to it, one chart per figure group (the "group"
of each entry of "figures": latency, throughput, cost, elections, failover, recovery, anomalies,
or whatever groups the file names), as compare-<group>.png and compare-<group>.svg, plus
compare-read-modes.png/.svg when the file lists stale reads by read mode.

In a chart each figure of the group has one bar per protocol: the bar is the mean over the
seeds, the error bar the spread (min to max), each dot one seed. Figures of different units go
in separate panels side by side, so that bytes do not flatten messages. A protocol for which no
run had the figure (all its statistics null, n = 0) gets no bar but "n/a"; one for which only
some runs had it is marked "n=2 of 3". The same file gives the same bytes.

Exit codes: 0 written; 2 bad input or usage (one line on stderr naming the file and the field).
"""

import os
import re
import sys
import textwrap

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from plot_common import BadInput, new_figure, read_json_object, run_command, save  # noqa: E402

from matplotlib.lines import Line2D  # noqa: E402

PROTOCOL_NAMES = {"raft": "Raft", "zab": "ZAB"}
PROTOCOL_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7"]  # Okabe-Ito, in protocol order
GROUP_TITLES = {
    "latency": "Commit latency",
    "throughput": "Throughput",
    "cost": "Messages, bytes and fsyncs per committed write",
    "elections": "Elections",
    "failover": "Failover and its phases",
    "recovery": "Recovery of a restarted follower",
    "anomalies": "Anomalies",
}
NA_COLOUR = "#777777"


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class Spread:
    """A figure's statistics for one protocol; mean None when no run had the figure."""

    def __init__(self, mean, low, high, n, values):
        self.mean = mean
        self.low = low
        self.high = high
        self.n = n
        self.values = values  # each run's value, the runs without one left out


def spread_of(summary, values):
    """A Spread from a summary {"mean", "min", "max", "stdev", "n"} and the runs' values."""
    if not isinstance(summary, dict) or not is_number(summary.get("mean")):
        return Spread(None, None, None, 0, values)
    mean = float(summary["mean"])
    low = float(summary["min"]) if is_number(summary.get("min")) else mean
    high = float(summary["max"]) if is_number(summary.get("max")) else mean
    n = summary["n"] if is_number(summary.get("n")) else len(values)
    return Spread(mean, low, high, int(n), values)


class Comparison:
    def __init__(self, path):
        self.path = path
        data = read_json_object(path)
        self.data = data
        self.figures = self._figures(data.get("figures"))
        protocols = data.get("protocols")
        if not isinstance(protocols, dict) or not protocols:
            raise BadInput(f'{path}: "protocols" must be an object naming at least one protocol')
        known = [p for p in PROTOCOL_NAMES if p in protocols]
        self.protocols = known + sorted(p for p in protocols if p not in PROTOCOL_NAMES)
        self.runs = {}
        self.summaries = {}
        for protocol in self.protocols:
            entry = protocols[protocol]
            where = f'protocols.{protocol}'
            if not isinstance(entry, dict):
                raise BadInput(f"{path}: {where} must be an object")
            runs = entry.get("runs", [])
            summaries = entry.get("figures", {})
            if not isinstance(runs, list) or not all(isinstance(run, dict) for run in runs):
                raise BadInput(f"{path}: {where}.runs must be a list of objects")
            if not isinstance(summaries, dict):
                raise BadInput(f"{path}: {where}.figures must be an object")
            self.runs[protocol] = runs
            self.summaries[protocol] = summaries

    def _figures(self, figures):
        if not isinstance(figures, list) or not figures:
            raise BadInput(f'{self.path}: "figures" must be a non-empty list')
        for index, figure in enumerate(figures):
            if not isinstance(figure, dict):
                raise BadInput(f"{self.path}: figures[{index}] must be an object")
            for key in ("id", "title", "unit", "group"):
                if not isinstance(figure.get(key), str):
                    raise BadInput(f"{self.path}: figures[{index}].{key} must be a string")
            if not figure["id"] or not figure["group"]:
                raise BadInput(f"{self.path}: figures[{index}]: id and group must not be empty")
        return figures

    def spread(self, protocol, figure_id):
        values = []
        for run in self.runs[protocol]:
            run_figures = run.get("figures")
            value = run_figures.get(figure_id) if isinstance(run_figures, dict) else None
            if is_number(value):
                values.append(float(value))
        return spread_of(self.summaries[protocol].get(figure_id), values)

    def groups(self):
        """(group, [figure]) in the order the groups first appear."""
        order = []
        members = {}
        for figure in self.figures:
            group = figure["group"]
            if group not in members:
                order.append(group)
                members[group] = []
            members[group].append(figure)
        return [(group, members[group]) for group in order]

    def run_count(self, protocol):
        return len(self.runs[protocol])

    def subtitle(self):
        d = self.data
        seeds = d.get("seeds")
        seed_text = ", ".join(str(s) for s in seeds) if isinstance(seeds, list) else "?"
        return (f"{d.get('scenario', '?')} ({d.get('service', '?')}, {d.get('nodes', '?')} servers), "
                f"seeds {seed_text}: mean (bar), min\u2013max (error bar), each seed (dot)")


# --- drawing


def protocol_name(protocol):
    return PROTOCOL_NAMES.get(protocol, protocol)


def format_value(value):
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def by_unit(figures):
    """The group's figures split into panels, one per unit, in order of first appearance."""
    panels = []
    index = {}
    for figure in figures:
        unit = figure["unit"]
        if unit not in index:
            index[unit] = len(panels)
            panels.append((unit, []))
        panels[index[unit]][1].append(figure)
    return panels


def safe_name(text):
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "group"


def draw_bars(ax, x, height, spread, colour, gid, runs):
    """One protocol's bar for one figure, with its spread, its seeds and its label."""
    ax.bar(x, spread.mean, height, color=colour, gid=gid, zorder=2)
    ax.errorbar(x, spread.mean, yerr=[[spread.mean - spread.low], [spread.high - spread.mean]], fmt="none",
                ecolor="black", elinewidth=1, capsize=3, zorder=3, gid=f"{gid}-spread")
    if spread.values:
        ax.plot([x] * len(spread.values), spread.values, "o", color="black", markersize=2.5, alpha=0.6,
                zorder=4)
    label = format_value(spread.mean)
    if spread.n < runs:
        label += f"\nn={spread.n} of {runs}"
    ax.annotate(label, (x, max(spread.high, spread.mean)), xytext=(0, 2), textcoords="offset points",
                ha="center", va="bottom", fontsize=6.5)


def mark_not_applicable(ax, x, gid):
    """Where a bar would be: no run had the figure."""
    ax.annotate("n/a", (x, 0), xytext=(0, 3), textcoords="offset points", ha="center", va="bottom",
                fontsize=8, color=NA_COLOUR, gid=gid)


def draw_panel(ax, comparison, unit, figures):
    count = len(comparison.protocols)
    width = 0.8 / count
    top = 0.0
    for j, protocol in enumerate(comparison.protocols):
        colour = PROTOCOL_COLOURS[j % len(PROTOCOL_COLOURS)]
        for i, figure in enumerate(figures):
            x = i + (j - (count - 1) / 2) * width
            spread = comparison.spread(protocol, figure["id"])
            gid = f"bar-{safe_name(protocol)}-{safe_name(figure['id'])}"
            if spread.mean is None:
                mark_not_applicable(ax, x, f"na-{safe_name(protocol)}-{safe_name(figure['id'])}")
                continue
            draw_bars(ax, x, width * 0.92, spread, colour, gid, comparison.run_count(protocol))
            top = max(top, spread.high, spread.mean, *spread.values)
    ax.set_xticks(range(len(figures)),
                  [textwrap.fill(figure["title"].strip(), 20) for figure in figures], fontsize=7.5)
    ax.set_xlim(-0.6, len(figures) - 0.4)
    ax.set_ylabel(unit)
    ax.set_ylim(0, top * 1.22 if top > 0 else 1)
    ax.grid(axis="y", color="#DDDDDD", linewidth=0.5, zorder=0)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def legend_handles(comparison):
    handles = [Line2D([], [], color=PROTOCOL_COLOURS[j % len(PROTOCOL_COLOURS)], linewidth=8,
                      label=protocol_name(protocol)) for j, protocol in enumerate(comparison.protocols)]
    handles.append(Line2D([], [], color="black", marker="|", markersize=8, linestyle="none",
                          label="min\u2013max over seeds"))
    handles.append(Line2D([], [], color="black", marker="o", markersize=2.5, alpha=0.6, linestyle="none",
                          label="one seed"))
    return handles


def plot_group(comparison, group, figures, stem):
    panels = by_unit(figures)
    # Inches: a panel's axis labels, then room for a tick label of 20 characters per figure (wider
    # with more protocols), then the legend; never narrower than the title.
    ratios = [0.4 + len(members) * max(1.3, 0.45 * len(comparison.protocols)) for _, members in panels]
    width_in = max(0.75 * len(panels) + sum(ratios) + 1.5, 0.065 * len(comparison.subtitle()) + 0.5)
    figure = new_figure(width_in, 4.4, right_in=0.1)
    axes = figure.subplots(1, len(panels), squeeze=False, gridspec_kw={"width_ratios": ratios})[0]
    names = " vs ".join(protocol_name(p) for p in comparison.protocols)
    figure.suptitle(f"{GROUP_TITLES.get(group, group.capitalize())}: {names}\n{comparison.subtitle()}",
                    fontsize=9)
    for ax, (unit, members) in zip(axes, panels):
        draw_panel(ax, comparison, unit, members)
    axes[-1].legend(handles=legend_handles(comparison), loc="upper left", bbox_to_anchor=(1.02, 1), fontsize=7)
    save(figure, stem)


def plot_read_modes(comparison, modes, stem):
    """Stale reads per protocol and read mode, from the extra runs compare makes in each mode."""
    figure = new_figure(max(6.0, 0.8 * len(modes) + 2.9), 4.0, right_in=0.1)
    ax = figure.subplots()
    for i, mode in enumerate(modes):
        protocol = mode.get("protocol", "?")
        j = comparison.protocols.index(protocol) if protocol in comparison.protocols else len(PROTOCOL_COLOURS) - 1
        runs = int(mode["runs"]) if is_number(mode.get("runs")) else 0
        spread = spread_of(mode.get("stale_reads"), [])
        if spread.mean is None:
            mark_not_applicable(ax, i, f"na-read-mode-{i}")
            continue
        if spread.n == 0:
            spread.n = runs
        draw_bars(ax, i, 0.7, spread, PROTOCOL_COLOURS[j % len(PROTOCOL_COLOURS)],
                  f"read-mode-{safe_name(str(protocol))}-{safe_name(str(mode.get('read_mode')))}", runs)
        linearizable = mode.get("linearizable_runs")
        if is_number(linearizable):
            ax.annotate(f"linearizable\n{linearizable} of {runs}", (i, 0), xytext=(0, -30),
                        textcoords="offset points", ha="center", va="top", fontsize=6.5, color=NA_COLOUR,
                        annotation_clip=False)
    ax.set_xticks(range(len(modes)), [f"{protocol_name(str(m.get('protocol')))}\n{m.get('read_mode')}"
                                      for m in modes], fontsize=7.5)
    ax.set_ylabel("stale reads")
    ax.set_ylim(bottom=0, top=max(ax.get_ylim()[1] * 1.15, 1))
    ax.grid(axis="y", color="#DDDDDD", linewidth=0.5)
    ax.set_axisbelow(True)
    ax.legend(handles=legend_handles(comparison)[:-1], loc="upper left", bbox_to_anchor=(1.02, 1), fontsize=7)
    figure.suptitle(f"Stale reads by read mode\n{comparison.subtitle()}", fontsize=9)
    save(figure, stem)


def read_modes(comparison):
    modes = comparison.data.get("read_modes")
    if modes is None:
        return []
    if not isinstance(modes, list) or not all(isinstance(mode, dict) for mode in modes):
        raise BadInput(f'{comparison.path}: "read_modes" must be a list of objects')
    return modes


def plot_compare_dir(compare_dir):
    comparison = Comparison(os.path.join(compare_dir, "compare.json"))
    written = []
    for group, figures in comparison.groups():
        name = f"compare-{safe_name(group)}"
        plot_group(comparison, group, figures, os.path.join(compare_dir, name))
        written.append(name)
    modes = read_modes(comparison)
    if modes:
        plot_read_modes(comparison, modes, os.path.join(compare_dir, "compare-read-modes"))
        written.append("compare-read-modes")
    return ", ".join(name + ".png/.svg" for name in written)


def main(argv):
    return run_command(argv, "plot_compare.py",
                       "Chart a `consim compare --out COMPARE_DIR` directory: one grouped bar chart per "
                       "figure group, Raft against ZAB, mean and min-max over the seeds.", "COMPARE_DIR",
                       lambda directory, _: plot_compare_dir(directory))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
