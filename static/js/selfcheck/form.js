// Progressive enhancement for the self-check: follow-up questions hide until they apply, crisis help beside a
// question opens as soon as an answer that calls for it is chosen, the error summary takes focus, and a
// Print button appears. Without JavaScript every question and all crisis help simply show.
(function () {
  "use strict";
  var form = document.querySelector("form.selfcheck");
  if (form) {
    var followUps = form.querySelectorAll("[data-follows]");
    var chosen = function (name) {
      var input = form.querySelector('input[name="' + name + '"]:checked');
      return input ? input.value : "";
    };
    var update = function () {
      followUps.forEach(function (block) {
        block.hidden = block.dataset.when.split(" ").indexOf(chosen(block.dataset.follows)) === -1;
      });

      form.querySelectorAll(".crisis-inline[data-for]").forEach(function (block) {
        var actions = block.querySelector(".crisis-inline-actions");
        if (!actions) return;  // the crisis card at the top of the page already holds the help
        var answer = chosen(block.dataset.for), list = actions.querySelector(".crisis-actions");
        var emergency = list.querySelector(".crisis-line.emergency");
        actions.hidden = block.dataset.crisisAnswers.split(" ").indexOf(answer) === -1;
        if (emergency) {  // the emergency number first only for an answer about a plan
          if (block.dataset.emergencyAnswers.split(" ").indexOf(answer) !== -1) list.insertBefore(emergency, list.firstChild);
          else list.appendChild(emergency);
        }
      });
    };
    form.addEventListener("change", update);
    update();
  }
  // Contact details show once the consent box they depend on is ticked (on the form or the result page).
  document.querySelectorAll("[data-follows-checkbox]").forEach(function (block) {
    var box = document.getElementById(block.dataset.followsCheckbox);
    var show = function () { block.hidden = !box.checked; };
    box.addEventListener("change", show);
    show();
  });
  var summary = document.querySelector(".error-summary:not([hidden])");
  if (summary && !document.querySelector(".crisis-card")) summary.focus();
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
