"""What plot_run.py and plot_compare.py share: bad input as one exception, the files they read,
and figures saved so that the same input gives the same bytes.

Standard library and matplotlib only. Importing this module selects the Agg backend and fixes
the settings that would otherwise make an SVG differ from one run to the next (the hash salt of
its element ids, the date in its metadata) or from one machine to another (text drawn as glyph
outlines with whatever font was found; here it stays text).
"""

import argparse
import io
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402  (after the backend is chosen)
from matplotlib.layout_engine import TightLayoutEngine  # noqa: E402

# Every SVG element id is a hash of this salt and the element, instead of a random UUID.
matplotlib.rcParams["svg.hashsalt"] = "consim"
# Text stays <text> in the SVG: smaller, searchable, and the labels can be checked by a test.
matplotlib.rcParams["svg.fonttype"] = "none"
matplotlib.rcParams["font.family"] = "DejaVu Sans"
matplotlib.rcParams["font.size"] = 9
matplotlib.rcParams["axes.titlesize"] = 10
matplotlib.rcParams["legend.fontsize"] = 8

# No date, and a creator that does not name the matplotlib version: the bytes depend on the input.
SVG_METADATA = {"Date": None, "Creator": "consim reports"}
PNG_METADATA = {"Software": "consim reports"}
PNG_DPI = 110


class BadInput(Exception):
    """A missing or malformed input file; the message names the file (and the line)."""


def new_figure(width_in, height_in, right_in=0.0):
    """A figure laid out by matplotlib's tight layout, leaving `right_in` inches free on the right
    for legends placed outside the axes. Not the constrained layout: its solver (kiwisolver)
    orders its arithmetic by memory address, and the last bits of a clip rectangle, hence the
    SVG's ids, change from one run to the next."""
    engine = TightLayoutEngine(pad=0.6, rect=(0, 0, 1 - right_in / width_in, 1))
    return Figure(figsize=(width_in, height_in), layout=engine)


def open_input(path):
    """`path` opened for reading bytes, or BadInput naming the file."""
    try:
        return open(path, "rb")
    except OSError as error:
        raise BadInput(f"{path}: cannot open ({error.strerror})") from None


def read_json_object(path):
    """The JSON object in `path`, or BadInput naming the file."""
    with open_input(path) as stream:
        text = stream.read()
    try:
        value = json.loads(text)
    except (ValueError, UnicodeDecodeError) as error:
        raise BadInput(f"{path}: not JSON ({error})") from None
    if not isinstance(value, dict):
        raise BadInput(f"{path}: not a JSON object")
    return value


BLOCK_BYTES = 1 << 22


def line_blocks(stream):
    """Yields (number of the first line, bytes) for blocks of about BLOCK_BYTES of whole lines, so
    that a file of millions of lines is never held in memory."""
    number, rest = 1, b""
    while True:
        data = stream.read(BLOCK_BYTES)
        if not data:
            break
        data = rest + data
        cut = data.rfind(b"\n") + 1
        block, rest = data[:cut], data[cut:]
        if block:
            yield number, block
            number += block.count(b"\n")
    if rest:
        yield number, rest


def block_lines(block, first):
    """Yields (number, line) for the lines of a block whose first line is number `first`, cut as
    the file iterator cuts them: after each b"\n" only."""
    start, number = 0, first
    while start < len(block):
        end = block.find(b"\n", start) + 1 or len(block)
        yield number, block[start:end]
        start, number = end, number + 1


def block_objects(block):
    """The objects of a block of JSON lines, parsed as one JSON array (one call instead of one a
    line); None unless every line holds exactly one object."""
    lines = block.count(b"\n") + (0 if block.endswith(b"\n") else 1)
    try:
        values = json.loads(b"[" + block.rstrip(b"\n").replace(b"\n", b",") + b"]")
    except (ValueError, UnicodeDecodeError):
        return None  # a blank or malformed line: the caller reads line by line
    # A blank line would have made the array invalid, and a line holding two values separated
    # by a comma would make more values than lines.
    if len(values) != lines or not all(isinstance(value, dict) for value in values):
        return None
    return values


def json_lines(path):
    """Yields (line number, object) for each non-empty line of a JSON Lines file, a block at a
    time. BadInput on a bad line."""
    with open_input(path) as stream:
        for first, block in line_blocks(stream):
            values = block_objects(block)
            if values is not None:
                yield from enumerate(values, start=first)
                continue
            for number, line in block_lines(block, first):
                if line.strip():
                    yield number, parse_line(line, path, number)


def parse_line(line, path, number):
    """One line of a JSON Lines file as an object, or BadInput naming the file and the line."""
    try:
        value = json.loads(line)
    except (ValueError, UnicodeDecodeError) as error:
        raise BadInput(f"{path}:{number}: malformed JSON line ({error})") from None
    if not isinstance(value, dict):
        raise BadInput(f"{path}:{number}: not a JSON object")
    return value


def save(figure, stem):
    """Writes stem.png and stem.svg. Each is rendered into memory and then renamed into place,
    so a failed run never leaves a half-written file behind."""
    for extension, metadata in (("png", PNG_METADATA), ("svg", SVG_METADATA)):
        buffer = io.BytesIO()
        figure.savefig(buffer, format=extension, metadata=metadata, dpi=PNG_DPI)
        path = f"{stem}.{extension}"
        temporary = f"{path}.tmp"
        try:
            with open(temporary, "wb") as stream:
                stream.write(buffer.getvalue())
            os.replace(temporary, path)
        except OSError as error:
            try:
                os.remove(temporary)
            except OSError:
                pass
            raise BadInput(f"{path}: cannot write ({error.strerror})") from None


def run_command(argv, prog, description, metavar, plot, add_options=None):
    """The command line both scripts share: one directory argument (and the options
    `add_options(parser)` adds), `plot(directory, args)` returning what it wrote ("a.png/.svg,
    ..."); bad input exits 2 with the script's name, usage errors too."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("directory", metavar=metavar)
    if add_options is not None:
        add_options(parser)
    args = parser.parse_args(argv)  # exits 2 on a usage error
    try:
        if not os.path.isdir(args.directory):
            raise BadInput(f"{args.directory}: not a directory")
        written = plot(args.directory, args)
    except BadInput as error:
        print(f"{prog}: {error}", file=sys.stderr)
        return 2
    print(f"wrote {written} to {args.directory}")
    return 0
