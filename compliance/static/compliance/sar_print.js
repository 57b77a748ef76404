// The SAR draft's Print button: a file, not an inline handler, so the page's
// Content-Security-Policy (script-src 'self') lets it run.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var button = document.getElementById("print");
  if (button) button.addEventListener("click", function () { window.print(); });
});
