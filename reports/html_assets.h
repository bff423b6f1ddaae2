// The inline stylesheet and script of report.html (kept out of the page writer so that each
// reads as what it is).
#pragma once

namespace consim::reports {

extern const char* const kReportCss;

// Goes first, in <head>: window.onerror appends each uncaught error to #js-errors and counts them
// in data-js-errors on <html> (a syntax error in the main script shows as data-ready missing).
extern const char* const kReportErrorScript;

// The page's script, at the end of <body>. It never changes what the page says, only what it shows: it zooms the
// timeline (drag across it, the buttons, or #t=FROM-TO in the address, in ms), redraws the
// axis, counts the operations in view, shows the details of a clicked bar, and dims every key but
// the counterexample's on request. When it has started it sets data-ready="yes" on <html>.
extern const char* const kReportScript;

}  // namespace consim::reports
