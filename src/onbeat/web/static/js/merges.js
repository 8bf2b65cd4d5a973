// Keyboard shortcuts on the merge review queue: j / k move between proposals, a merges, r rejects
// (the focused proposal, or the first one). Ignored while typing in a field.
(function () {
  "use strict";
  function proposals() { return Array.prototype.slice.call(document.querySelectorAll("[data-proposal]")); }
  function current() {
    var all = proposals();
    var here = document.activeElement && document.activeElement.closest("[data-proposal]");
    return { all: all, index: here ? all.indexOf(here) : -1 };
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    if (target.closest("input, textarea, select, [contenteditable]")) { return; }
    var at = current();
    if (event.key === "j" || event.key === "k") {
      var next = at.index + (event.key === "j" ? 1 : -1);
      if (at.index < 0) { next = 0; }
      if (next >= 0 && next < at.all.length) {
        at.all[next].focus();
        at.all[next].scrollIntoView({ block: "start" });
        event.preventDefault();
      }
      return;
    }
    if (event.key === "a" || event.key === "r") {
      var proposal = at.index >= 0 ? at.all[at.index] : at.all[0];
      var button = proposal && proposal.querySelector('button[data-key="' + event.key + '"]');
      if (button) { button.click(); event.preventDefault(); }
    }
  });
  // After HTMX swaps a proposal in place, focus it so the reviewer carries on from the keyboard.
  var swapped = null;
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    swapped = event.detail && event.detail.target ? event.detail.target.id : null;
  });
  document.body.addEventListener("htmx:afterSettle", function () {
    var article = swapped && document.getElementById(swapped);
    swapped = null;
    if (article) { article.focus(); }
  });
})();
