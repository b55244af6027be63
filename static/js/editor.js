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

// The media library's focal point: clicking the picture fills in the two
// number inputs (which work on their own) and marks the point.
(function () {
  "use strict";
  var picker = document.getElementById("focal-picker");
  var x = document.getElementById("focal_x");
  var y = document.getElementById("focal_y");
  if (!picker || !x || !y) return;
  var image = picker.querySelector("img");
  if (!image) return;
  var mark = document.createElement("span");
  mark.className = "focal-mark";
  mark.setAttribute("aria-hidden", "true");
  picker.appendChild(mark);
  function place() {
    mark.style.left = (image.offsetLeft + image.offsetWidth * (Number(x.value) || 0) / 100) + "px";
    mark.style.top = (image.offsetTop + image.offsetHeight * (Number(y.value) || 0) / 100) + "px";
  }
  image.addEventListener("click", function (event) {
    var box = image.getBoundingClientRect();
    x.value = Math.round(Math.min(100, Math.max(0, (event.clientX - box.left) / box.width * 100)));
    y.value = Math.round(Math.min(100, Math.max(0, (event.clientY - box.top) / box.height * 100)));
    place();
  });
  x.addEventListener("input", place);
  y.addEventListener("input", place);
  window.addEventListener("resize", place);
  if (image.complete) place(); else image.addEventListener("load", place);
})();
