// The waiting-room tablet (templates/tablet/): nothing of one patient stays in view for the next.
//  - The start page clears what the browser may still hold (Clear-Site-Data does it where the browser
//    honours it; this covers the rest): storage, caches, databases, service workers.
//  - After the idle time a form with answers, or an outcome, asks "Still there?" and, unanswered, returns
//    to the start page; an empty form returns at once. A crisis screen stays until staff tap Done.
//  - "Finish", "Done" and the language link return to the start page in place of this page, so Back
//    does not come back to it; a page brought back by Back returns to the start page as well.
// Every visible word is in the page; this script only arranges it.
(function () {
  "use strict";
  var settings = document.getElementById("tablet");
  if (!settings) return;
  var start = settings.dataset.start, page = settings.dataset.page;

  function startAfresh() {
    document.querySelectorAll("form").forEach(function (form) { form.reset(); });
    document.body.hidden = true;  // nothing stays in view while the start page loads
    document.title = "";
    window.location.replace(start);
  }

  if (page === "start") {
    try { window.localStorage.clear(); window.sessionStorage.clear(); } catch (error) { /* storage off */ }
    if (navigator.serviceWorker) {
      navigator.serviceWorker.getRegistrations().then(function (registrations) {
        registrations.forEach(function (registration) { registration.unregister(); });
      });
    }
    if (window.caches) {
      caches.keys().then(function (names) { names.forEach(function (name) { caches.delete(name); }); });
    }
    if (window.indexedDB && indexedDB.databases) {
      indexedDB.databases().then(function (databases) {
        databases.forEach(function (database) { indexedDB.deleteDatabase(database.name); });
      });
    }
    return;
  }

  document.querySelectorAll("[data-tablet-reset]").forEach(function (link) {
    link.addEventListener("click", function (event) { event.preventDefault(); startAfresh(); });
  });
  // Back (or Forward) to a page of this tablet: it belongs to an earlier moment, perhaps an earlier patient.
  window.addEventListener("pageshow", function (event) { if (event.persisted) startAfresh(); });
  var navigation = window.performance && performance.getEntriesByType ? performance.getEntriesByType("navigation")[0] : null;
  if (navigation && navigation.type === "back_forward") { startAfresh(); return; }

  if (page === "crisis") return;  // stays until staff tap "Done"

  var dialog = document.getElementById("still-there");
  var seconds = dialog.querySelector('[data-slot="seconds"]');
  var count = new Intl.NumberFormat(document.documentElement.lang);
  var idleTimer = null, ticking = null;

  // Anything the patient has chosen or typed (hidden fields are the page's own).
  function hasAnswers() {
    var form = document.querySelector("form.selfcheck");
    if (!form) return true;  // an outcome: always ask first
    return Array.prototype.some.call(form.elements, function (field) {
      if (field.type === "radio" || field.type === "checkbox") return field.checked;
      return (field.tagName === "TEXTAREA" || field.type === "text" || field.type === "tel" || field.type === "email") &&
        field.value.trim() !== "";
    });
  }

  function ask() {
    if (!hasAnswers()) { startAfresh(); return; }
    var ends = Date.now() + Number(settings.dataset.askSeconds) * 1000;
    var tick = function () {
      var left = Math.max(0, Math.ceil((ends - Date.now()) / 1000));
      seconds.textContent = count.format(left);
      if (left === 0) { window.clearInterval(ticking); startAfresh(); }
    };
    tick();
    dialog.showModal();
    ticking = window.setInterval(tick, 250);
  }

  function waitAgain() {
    window.clearTimeout(idleTimer);
    idleTimer = window.setTimeout(ask, Number(settings.dataset.idleSeconds) * 1000);
  }

  function stillHere() {
    window.clearInterval(ticking);
    ticking = null;
    if (dialog.open) dialog.close();
    waitAgain();
  }

  dialog.querySelector('[data-action="still-here"]').addEventListener("click", stillHere);
  dialog.addEventListener("cancel", function (event) { event.preventDefault(); stillHere(); });  // Escape
  ["pointerdown", "keydown", "input", "change", "scroll", "touchstart"].forEach(function (type) {
    // While the question is open, only its button (or Escape) answers it.
    document.addEventListener(type, function () { if (!ticking) waitAgain(); }, { capture: true, passive: true });
  });
  waitAgain();
})();
