// The article editor's small enhancements; the form works without them.
// - Leaving the page with unsaved typing asks first.
// - Ctrl+S (Cmd+S) saves.
(function () {
  "use strict";
  var form = document.getElementById("article-editor");
  if (!form) return;
  var dirty = false;
  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("submit", function () { dirty = false; });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && event.key === "s") {
      var save = form.querySelector('.editor-actions button[value="save"]');
      if (save) {
        event.preventDefault();
        save.click();
      }
    }
  });
})();
