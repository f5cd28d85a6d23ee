// Progressive enhancement for the self-check: follow-up questions hide until they apply, the error
// summary takes focus, and a Print button appears. Without JavaScript every question simply shows.
(function () {
  "use strict";
  var form = document.querySelector("form.selfcheck");
  if (form) {
    var followUps = form.querySelectorAll("[data-follows]");
    var update = function () {
      followUps.forEach(function (block) {
        var chosen = form.querySelector('input[name="' + block.dataset.follows + '"]:checked');
        var show = chosen !== null && block.dataset.when.split(" ").indexOf(chosen.value) !== -1;
        block.hidden = !show;
      });
      form.querySelectorAll("[data-follows-checkbox]").forEach(function (block) {
        block.hidden = !document.getElementById(block.dataset.followsCheckbox).checked;
      });
    };
    form.addEventListener("change", update);
    update();
  }
  var summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
