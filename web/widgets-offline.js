// Loaded between require.js and the widget manager (see _ext/offline_assets.py);
// copied into _webassets/html-manager/ by tools/vendor_assets.py.
(function () {
  // 1. The widget manager finds its fonts next to its AMD module id,
  //    "@jupyter-widgets/html-manager/dist/...", resolved against the page. Point
  //    that id at the copy the book serves in _static/ (any page depth).
  var root = document.documentElement.dataset.content_root || "./";
  if (window.require && window.require.config) {
    window.require.config({ paths: { "@jupyter-widgets/html-manager/dist": root + "_static/html-manager" } });
  }
  // 2. html-manager 1.x typesets widget labels with the MathJax 2 call
  //    MathJax.Hub.Queue(["Typeset", MathJax.Hub, element]); MathJax 3 has no Hub.
  //    Translate the call, before and after MathJax 3 starts.
  function queue(command) {
    var element = Array.isArray(command) ? command[2] : undefined;
    var mj = window.MathJax;
    if (mj && mj.typesetPromise) {
      return mj.typesetPromise(element ? [element] : undefined);
    }
    return undefined; // not started yet: its start-up typesets the whole page
  }
  var mj = (window.MathJax = window.MathJax || {});
  if (!mj.version) {
    // Still the configuration object: MathJax will replace it when it loads.
    mj.Hub = { Queue: queue };
    var startup = mj.startup || {};
    var ready = startup.ready;
    startup.ready = function () {
      if (ready) {
        ready();
      } else {
        window.MathJax.startup.defaultReady();
      }
      window.MathJax.Hub = { Queue: queue };
    };
    mj.startup = startup;
  } else if (!mj.Hub) {
    mj.Hub = { Queue: queue };
  }
})();
