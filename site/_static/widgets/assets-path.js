// The widget manager's fonts live next to this script, not on a CDN: point its asset
// path and RequireJS's module paths (read by require.js as it loads) at this folder.
// anywidget.js (anywidget's AMD front-end, copied here when the site is staged) is what
// the workbench's graph views need: the manager asks RequireJS for "anywidget" first.
(function () {
  var here = new URL(".", document.currentScript.src).href.replace(/\/$/, "");
  window.__jupyter_widgets_assets_path__ = here + "/";
  window.require = {paths: {"@jupyter-widgets/html-manager/dist": here, "@jupyter-widgets": here,
                            "anywidget": here + "/anywidget"}};
})();
