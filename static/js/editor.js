// The article editor's small enhancements; the form works without them.
// - Leaving the page with unsaved typing asks first: in the article's form,
//   or a review note typed beside it and not yet added (saving the article
//   does not send the note, which has its own form).
// - Ctrl+S (Cmd+S) saves.
(function () {
  "use strict";
  var form = document.getElementById("article-editor");
  if (!form) return;
  var notes = document.querySelector("#review-notes form");
  var dirty = false;
  var noteDirty = false;
  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("submit", function () { dirty = false; });
  if (notes) {
    var body = notes.querySelector("textarea[name=body]");
    notes.addEventListener("input", function () {
      noteDirty = !!body && body.value.trim() !== "";
    });
    notes.addEventListener("submit", function () { noteDirty = false; });
  }
  window.addEventListener("beforeunload", function (event) {
    if (dirty || noteDirty) {
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
