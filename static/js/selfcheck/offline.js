// The self-check without a connection. On the offline form: keep the answers on this phone (only to show
// the result, and — with consent — until the clinic confirms it has them). On the result page: work out
// the outcome from the question table the server publishes (rules.json), crisis help first, and send.
(function () {
  "use strict";
  // The table is read by window.kinfoRules (rules.js), the same interpreter the golden tests hold equal to
  // the server's: this script only collects answers and arranges the page.
  var engine = window.kinfoRules;

  function clone(id) { return document.getElementById(id).content.cloneNode(true); }

  // ---- The offline form ----
  var form = document.querySelector("form[data-offline-form]");
  if (form) {
    var key = form.querySelector('input[name="idempotency_key"]');
    key.value = window.crypto.randomUUID();
    fetch(form.dataset.rulesUrl).then(function (response) { return response.json(); }).then(function (rules) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var data = new FormData(form), values = {};
        rules.questions.concat(rules.contact).forEach(function (field) {
          if (data.get(field.id) !== null) values[field.id] = data.get(field.id);
        });
        var checked = engine.check(rules, values);
        var errors = document.getElementById("offline-errors");
        if (!checked.valid) {
          var list = errors.querySelector("ul");
          list.textContent = "";
          rules.questions.concat(rules.contact).forEach(function (field) {
            (checked.errors[field.id] || []).forEach(function (text) {
              var item = errors.querySelector("template").content.cloneNode(true), link = item.querySelector("a");
              link.textContent = engine.summary(rules, field.label, text);
              link.href = "#" + field.id + (field.kind === "choice" ? "-" + field.answers[0] : "");
              list.appendChild(item);
            });
          });
          errors.hidden = false;
          errors.focus();
          return;
        }
        var consent = data.get("consent") === "y";
        var entry = { key: key.value, tag: document.documentElement.dataset.urlTag, answers: checked.answers,
                      consent: consent, status: consent ? "queued" : "local", created: Date.now(),
                      name: consent ? checked.contact.name || "" : "", phone: consent ? checked.contact.phone || "" : "" };
        window.kinfoQueue.put(entry).then(function () {
          window.location.href = form.dataset.resultUrl + "#" + entry.key;
        });
      });
    });
  }

  // ---- The result page ----
  var result = document.getElementById("offline-result");
  if (!result) return;
  var resultKey = window.location.hash.slice(1);

  function renderStatus(entry) {
    var old = result.querySelector(".status");
    if (old) old.remove();
    var holder = document.createElement("div");
    holder.className = "status";
    var parts = clone("part-status");
    parts.querySelectorAll("[data-status]").forEach(function (part) {
      if (part.dataset.status !== entry.status) part.remove();
    });
    holder.appendChild(parts);
    var reference = holder.querySelector('[data-slot="reference"]');
    if (reference) reference.textContent = entry.reference;
    var errors = holder.querySelector('[data-slot="errors"]');
    if (errors) {
      var reasons = (entry.errors || []).map(function (error) { return error.message; });
      if (!reasons.length && entry.error) reasons.push(entry.error);  // e.g. already sent with other answers
      reasons.forEach(function (reason) {
        var item = document.createElement("li"); item.textContent = reason; errors.appendChild(item);
      });
    }
    var sendNow = holder.querySelector('[data-action="send-now"]');
    if (sendNow) sendNow.addEventListener("click", function () { window.kinfoQueue.send(); });
    var after = result.querySelector(".crisis-result:last-of-type");
    result.insertBefore(holder, after ? after.nextSibling : result.firstChild);
  }

  function render(rules, entry) {
    result.textContent = "";
    var items = engine.outcome(rules, entry.answers);
    items.filter(function (item) { return item.flag.level === "CRISIS"; }).forEach(function (item) {
      var part = clone("part-crisis");
      part.querySelector('[data-slot="text"]').textContent = item.flag.text;
      part.querySelectorAll(item.flag.emergency_first ? '[data-if="not_emergency_first"]' : '[data-if="emergency_first"]')
        .forEach(function (element) { element.remove(); });
      result.appendChild(part);
    });
    renderStatus(entry);
    [["DISCUSS", "part-discuss"], ["INFO", "part-info"]].forEach(function (pair) {
      var chosen = items.filter(function (item) { return item.flag.level === pair[0]; });
      if (!chosen.length) return;
      var part = clone(pair[1]), list = part.querySelector("ul");
      chosen.forEach(function (item) {
        var li = document.createElement("li");
        if (pair[0] === "DISCUSS") {
          var strong = document.createElement("strong"); strong.textContent = item.flag.text; li.appendChild(strong);
          if (item.flag.reason) li.appendChild(document.createTextNode(" " + item.flag.reason));
          var readMore = rules.sections[item.question.section];
          if (readMore) {
            var link = document.createElement("a");
            link.href = readMore.href; link.textContent = readMore.text;
            li.appendChild(document.createTextNode(" ")); li.appendChild(link);
          }
        } else { li.textContent = item.flag.text; }
        list.appendChild(li);
      });
      result.appendChild(part);
    });
    if (!items.length) result.appendChild(clone("part-none"));
    var end = clone("part-end"), answers = end.querySelector("dl");
    rules.questions.forEach(function (question) {
      var value = entry.answers[question.id];
      if (value === undefined) return;
      var dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = question.label;
      var label = question.answers && question.answers.indexOf(value) !== -1 ? rules.answer_labels[value] : null;
      if (label) { dd.textContent = label; } else { var bdi = document.createElement("bdi"); bdi.textContent = value; dd.appendChild(bdi); }
      answers.appendChild(dt); answers.appendChild(dd);
    });
    result.appendChild(end);
    result.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  }

  if (!resultKey) return;
  Promise.all([fetch(result.dataset.rulesUrl).then(function (r) { return r.json(); }), window.kinfoQueue.get(resultKey)])
    .then(function (loaded) {
      var rules = loaded[0], entry = loaded[1];
      if (!entry || !entry.answers) {
        if (entry && entry.status === "sent") { renderStatus(entry); }
        return;
      }
      render(rules, entry);
      if (entry.status === "local") {
        window.kinfoQueue.remove(entry.key);  // not sent, so not kept: it was only here to show the result
        return;
      }
      document.addEventListener("kinfo:queue-changed", function () {
        window.kinfoQueue.get(resultKey).then(function (updated) { if (updated) renderStatus(updated); });
      });
      window.kinfoQueue.send();
    });
})();
