// Forgot password, step 1: gives the ALTCHA widget its proof-of-work worker (served from /assets, allowed by our CSP)
// and the page's words for its labels. The widget solves the challenge in the browser; nothing goes elsewhere.
(function () {
  var widget = document.querySelector('altcha-widget');
  var registry = window.$altcha;
  if (!widget || !registry) return;
  var makeWorker = function () { return new Worker('/assets/vendor/altcha-sha-worker.js'); };
  ['SHA-256', 'SHA-384', 'SHA-512'].forEach(function (name) { registry.algorithms.set(name, makeWorker); });
  try {
    var strings = JSON.parse(widget.getAttribute('data-strings') || '{}');
    registry.i18n.set(widget.getAttribute('language') || 'en', strings);
  } catch (error) {
    // The widget keeps its built-in English words.
  }
})();
