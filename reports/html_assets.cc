#include "reports/html_assets.h"

namespace consim::reports {

const char* const kReportCss = R"css(
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #212529;
       margin: 0 auto; padding: 16px 24px 48px; max-width: 1180px; }
h1 { font-size: 22px; margin: 8px 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #dee2e6; padding-bottom: 4px; }
p.description { color: #495057; margin: 4px 0 8px; max-width: 900px; }
.meta { color: #495057; font-size: 13px; }
.meta span { margin-right: 14px; white-space: nowrap; }
.badge { display: inline-block; padding: 1px 9px; border-radius: 10px; font-weight: 600; font-size: 13px; }
.pass { background: #d3f9d8; color: #2b8a3e; }
.fail { background: #ffe3e3; color: #c92a2a; }
.unknown { background: #fff3bf; color: #e67700; }
.skipped { background: #f1f3f5; color: #868e96; }
table { border-collapse: collapse; font-size: 13px; }
td, th { border-bottom: 1px solid #e9ecef; padding: 3px 10px 3px 0; text-align: left; vertical-align: top; }
th { color: #495057; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
ul.links li { margin: 2px 0; }
.note { color: #868e96; font-size: 13px; }
.controls { margin: 6px 0; font-size: 13px; }
.controls button { font: inherit; font-size: 12px; margin: 0 4px 4px 0; padding: 1px 8px; cursor: pointer; }
#details { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f8f9fa;
           border: 1px solid #e9ecef; padding: 4px 8px; min-height: 1.4em; white-space: pre-wrap; }
.legend span { display: inline-block; margin-right: 12px; font-size: 12px; }
.legend i { display: inline-block; width: 12px; height: 10px; margin-right: 4px; vertical-align: -1px;
            border: 1px solid #adb5bd; }
.scroll { overflow-x: auto; }
svg.tl { display: block; user-select: none; }
svg.tl text { font: 10px system-ui, Helvetica, Arial, sans-serif; }
svg.tl .lane { font-size: 11px; fill: #495057; }
svg.tl .section { font-size: 11px; font-weight: 600; fill: #212529; }
svg.tl .tick line { stroke: #e9ecef; }
svg.tl .tick text { fill: #868e96; font-size: 10px; }
svg.tl .label { fill: #212529; font-size: 9px; pointer-events: none; }
.s-leader, .s-leading { fill: #ffd43b; }
.s-candidate, .s-pre_candidate { fill: #74c0fc; }
.s-looking { fill: #a5d8ff; }
.s-follower, .s-following { fill: #dee2e6; }
.s-observing, .s-learner { fill: #e9ecef; }
.s-down { fill: url(#hatch); }
.op { stroke: none; }
.op.ok { fill: #69db7c; }
.op.fail { fill: #ff8787; }
.op.info { fill: #ffc078; }
.op.pending { fill: #ced4da; }
.op.cx-block { stroke: #c92a2a; stroke-width: 2.5; }
.op.cx-prefix { stroke: #1971c2; stroke-width: 1; }
svg.cx-focus .op:not(.cx-key) { opacity: 0.12; }
.shade { opacity: 0.09; }
.shade.partition, .fault.partition { fill: #7048e8; }
.shade.cut, .fault.cut { fill: #e8590c; }
.shade.crash, .fault.crash { fill: #e03131; }
.shade.pause, .fault.pause { fill: #f59f00; }
.fault { opacity: 0.55; }
.instant { stroke: #868e96; stroke-width: 1.5; }
.instant.heal { stroke: #2b8a3e; }
.violation { stroke: #e03131; stroke-width: 2; stroke-dasharray: 5 3; }
.commit { fill: none; stroke-width: 1.5; }
#selection { fill: #1c7ed6; opacity: 0.15; }
.cx { border-left: 4px solid #e03131; padding: 4px 12px; background: #fff5f5; margin: 8px 0; }
.cx ol { margin: 4px 0; font: 12px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.cx code, .mono { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
#js-errors { color: #c92a2a; white-space: pre-wrap; }
.metrics { columns: 3 260px; column-gap: 32px; font-size: 13px; }
.metrics div { display: flex; justify-content: space-between; border-bottom: 1px solid #f1f3f5; padding: 2px 0;
               break-inside: avoid; }
.metrics b { font-weight: 500; font-variant-numeric: tabular-nums; margin-left: 12px; }
img.plot { max-width: 560px; border: 1px solid #e9ecef; margin: 4px 8px 4px 0; }
)css";

const char* const kReportErrorScript = R"js(
(function () {
  'use strict';
  var errors = 0;
  window.onerror = function (message, source, line) {
    errors += 1;
    document.documentElement.setAttribute('data-js-errors', String(errors));
    var box = document.getElementById('js-errors');
    if (!box) {
      box = document.createElement('pre');
      box.id = 'js-errors';
      var parent = document.body || document.documentElement;
      parent.insertBefore(box, parent.firstChild);
    }
    box.textContent += 'script error: ' + message + ' (line ' + line + ')\n';
  };
})();
)js";

const char* const kReportScript = R"js(
(function () {
  'use strict';
  var svg = document.getElementById('timeline');
  if (!svg) { document.documentElement.setAttribute('data-ready', 'yes'); return; }
  var x0 = Number(svg.getAttribute('data-x0'));
  var x1 = Number(svg.getAttribute('data-x1'));
  var full = [Number(svg.getAttribute('data-from')), Number(svg.getAttribute('data-to'))];
  var view = full.slice();
  var placed = Array.prototype.slice.call(svg.querySelectorAll('[data-a]'));
  var ops = Array.prototype.slice.call(svg.querySelectorAll('rect.op'));
  var height = Number(svg.getAttribute('height'));

  function X(t) { return x0 + (t - view[0]) / (view[1] - view[0]) * (x1 - x0); }
  function clampX(x) { return Math.max(x0 - 10, Math.min(x1 + 10, x)); }
  function ms(t) { return t.toFixed(3); }

  function place(el) {
    var a = Number(el.getAttribute('data-a'));
    var hasB = el.hasAttribute('data-b');
    var b = hasB ? Number(el.getAttribute('data-b')) : a;
    var tag = el.tagName.toLowerCase();
    if (tag === 'rect') {
      var left = clampX(X(a)), right = clampX(X(b));
      var min = Number(el.getAttribute('data-min') || 0);
      el.setAttribute('x', left.toFixed(1));
      el.setAttribute('width', Math.max(right - left, min).toFixed(1));
    } else if (tag === 'line') {
      var x = X(a).toFixed(1);
      el.setAttribute('x1', x);
      el.setAttribute('x2', x);
    } else if (tag === 'text') {
      if (hasB) {
        var l = Math.max(X(a), x0), r = Math.min(X(b), x1);
        el.setAttribute('x', ((l + r) / 2).toFixed(1));
        var need = Number(el.getAttribute('data-w') || 0);
        el.style.display = r - l > need ? '' : 'none';
      } else {
        el.setAttribute('x', (X(a) + 3).toFixed(1));
      }
    } else if (tag === 'polyline') {
      var points = el.getAttribute('data-pts').trim().split(' ').map(function (p) {
        var parts = p.split(',');
        return clampX(X(Number(parts[0]))).toFixed(1) + ',' + parts[1];
      });
      el.setAttribute('points', points.join(' '));
    }
  }

  function niceStep(span) {
    var raw = span / 10, power = Math.pow(10, Math.floor(Math.log10(raw)));
    var steps = [1, 2, 5, 10];
    for (var i = 0; i < steps.length; i++) {
      if (steps[i] * power >= raw) { return steps[i] * power; }
    }
    return 10 * power;
  }

  function tickLabel(t, step) {
    if (step >= 1000) { return (t / 1000).toFixed(step >= 10000 ? 0 : 1) + ' s'; }
    var digits = step >= 1 ? 0 : Math.min(6, Math.ceil(-Math.log10(step)));
    return t.toFixed(digits) + ' ms';
  }

  function drawAxis() {
    var axis = document.getElementById('axis');
    while (axis.firstChild) { axis.removeChild(axis.firstChild); }
    var step = niceStep(view[1] - view[0]);
    var ns = 'http://www.w3.org/2000/svg';
    for (var t = Math.ceil(view[0] / step) * step; t <= view[1] + 1e-9; t += step) {
      var g = document.createElementNS(ns, 'g');
      g.setAttribute('class', 'tick');
      var line = document.createElementNS(ns, 'line');
      var x = X(t).toFixed(1);
      line.setAttribute('x1', x); line.setAttribute('x2', x);
      line.setAttribute('y1', '18'); line.setAttribute('y2', String(height));
      var text = document.createElementNS(ns, 'text');
      text.setAttribute('x', x); text.setAttribute('y', '12');
      text.setAttribute('text-anchor', Number(x) > x1 - 30 ? 'end' : 'middle');
      text.textContent = tickLabel(t, step);
      g.appendChild(line); g.appendChild(text);
      axis.appendChild(g);
    }
  }

  function zoom(from, to) {
    if (!(to > from)) { from = full[0]; to = full[1]; }
    from = Math.max(full[0], from);
    to = Math.min(full[1], to);
    if (to - from < 0.001) { to = from + 0.001; }
    view = [from, to];
    placed.forEach(place);
    drawAxis();
    var inView = 0;
    ops.forEach(function (op) {
      if (Number(op.getAttribute('data-a')) <= to && Number(op.getAttribute('data-b')) >= from) { inView += 1; }
    });
    document.getElementById('view-range').textContent = ms(from) + '\u2013' + ms(to) + ' ms';
    document.getElementById('view-ops').textContent = String(inView);
  }

  function fromHash() {
    var match = /t=([0-9.]+)-([0-9.]+)/.exec(window.location.hash);
    if (match) { zoom(Number(match[1]), Number(match[2])); } else { zoom(full[0], full[1]); }
  }

  Array.prototype.forEach.call(document.querySelectorAll('[data-zoom]'), function (button) {
    button.addEventListener('click', function () {
      var range = button.getAttribute('data-zoom').split('-');
      if (range.length === 2) { zoom(Number(range[0]), Number(range[1])); } else { zoom(full[0], full[1]); }
    });
  });

  var focus = document.getElementById('cx-focus');
  if (focus) {
    focus.addEventListener('click', function () { svg.classList.toggle('cx-focus'); });
  }

  var selection = document.getElementById('selection');
  var dragFrom = null;
  function svgX(event) {
    var box = svg.getBoundingClientRect();
    return (event.clientX - box.left) * (Number(svg.getAttribute('width')) / box.width);
  }
  function timeAt(x) { return view[0] + (x - x0) / (x1 - x0) * (view[1] - view[0]); }
  svg.addEventListener('mousedown', function (event) {
    var x = svgX(event);
    if (x < x0 || x > x1) { return; }
    dragFrom = x;
    selection.setAttribute('x', String(x));
    selection.setAttribute('width', '0');
    event.preventDefault();
  });
  svg.addEventListener('mousemove', function (event) {
    if (dragFrom === null) { return; }
    var x = Math.max(x0, Math.min(x1, svgX(event)));
    selection.setAttribute('x', String(Math.min(x, dragFrom)));
    selection.setAttribute('width', String(Math.abs(x - dragFrom)));
  });
  window.addEventListener('mouseup', function (event) {
    if (dragFrom === null) { return; }
    var x = Math.max(x0, Math.min(x1, svgX(event)));
    var start = dragFrom;
    dragFrom = null;
    selection.setAttribute('width', '0');
    if (Math.abs(x - start) > 4) { zoom(timeAt(Math.min(x, start)), timeAt(Math.max(x, start))); }
  });
  svg.addEventListener('dblclick', function () { zoom(full[0], full[1]); });
  svg.addEventListener('click', function (event) {
    var target = event.target;
    var title = target && target.querySelector ? target.querySelector('title') : null;
    if (title) { document.getElementById('details').textContent = title.textContent; }
  });

  window.addEventListener('hashchange', fromHash);
  fromHash();
  document.documentElement.setAttribute('data-ready', 'yes');
})();
)js";

}  // namespace consim::reports
