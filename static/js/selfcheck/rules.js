// The phone's interpreter of the self-check's table (rules.json, built from kinfo/selfcheck/questions.py).
// It mirrors kinfo/selfcheck/rules.py function for function: the same answers are refused with the same
// messages and the same outcome is worked out, which golden tests check case by case (under Node and in
// the browser). Everything it must know — digits, white space, refused characters, messages — comes from
// the rules data; nothing about a particular question is written here.
(function (root) {
  "use strict";
  var LEVELS = { INFO: 1, DISCUSS: 2, CRISIS: 3 };

  function characters(text) { return Array.from(text); }  // code points, as Python counts them

  function problem(key, values) { return { key: key, values: values || {} }; }

  function message(rules, found) {
    return rules.messages[found.key].replace(/%\((\w+)\)s/g, function (match, name) { return String(found.values[name]); });
  }

  function strip(rules, text) {
    var chars = characters(text), space = rules.text.whitespace, start = 0, end = chars.length;
    while (start < end && space.indexOf(chars[start]) !== -1) start++;
    while (end > start && space.indexOf(chars[end - 1]) !== -1) end--;
    return chars.slice(start, end).join("");
  }

  function zerosOf(rules) {
    if (!rules._zeros) rules._zeros = new Set(rules.text.digit_zeros);
    return rules._zeros;
  }

  // A decimal digit's value (any script: 0-9, ٠-٩, ۰-۹, ０-９, …), or -1.
  function digitValue(rules, char) {
    var code = char.codePointAt(0), zeros = zerosOf(rules);
    for (var value = 0; value <= 9; value++) if (zeros.has(code - value)) return value;
    return -1;
  }

  var categoryPatterns = {};
  function inCategory(char, category) {
    if (!categoryPatterns[category]) categoryPatterns[category] = new RegExp("^\\p{" + category + "}$", "u");
    return categoryPatterns[category].test(char);
  }

  function isForbidden(rules, char) {
    if (rules.text.allowed.indexOf(char) !== -1) return false;
    var code = char.codePointAt(0);
    if (rules.text.forbidden_ranges.some(function (range) { return range[0] <= code && code <= range[1]; })) return true;
    return rules.text.forbidden_categories.some(function (category) { return inCategory(char, category); });
  }

  function applies(question, sent) {
    return !question.follows || question.follows[1].indexOf(sent[question.follows[0]]) !== -1;
  }

  function checkChoice(question, raw) {
    if (!raw) return [null, problem("choose")];
    if (question.answers.indexOf(raw) === -1) return [null, problem("known")];
    return [raw, null];
  }

  function checkNumber(rules, question, raw) {
    var text = strip(rules, raw || ""), chars = characters(text), number = 0;
    if (!chars.length) return [null, null];
    if (chars.length > rules.text.max_number_characters) return [null, problem("whole_number")];
    for (var i = 0; i < chars.length; i++) {
      var digit = digitValue(rules, chars[i]);
      if (digit < 0) return [null, problem("whole_number")];
      number = number * 10 + digit;
    }
    if (number < question.minimum || number > question.maximum) {
      return [null, problem("range", { minimum: question.minimum, maximum: question.maximum })];
    }
    return [number, null];
  }

  function checkText(rules, raw, limit, allowed) {
    var text = (raw || "").replace(/\r\n/g, "\n").replace(/\r/g, "\n"), chars = characters(text);
    if (chars.length > limit) return [text, problem("too_long", { limit: limit, count: chars.length })];
    if (chars.some(function (char) { return isForbidden(rules, char); })) return [text, problem("invisible")];
    if (allowed !== undefined && chars.length &&
        !chars.every(function (char) { return digitValue(rules, char) >= 0 || allowed.indexOf(char) !== -1; })) {
      return [text, problem("phone")];
    }
    return [text, null];
  }

  function checkReading(reading, numbers) {
    var found = {};
    for (var i = 1; i < reading.parts.length; i++) {
      var higher = numbers[reading.parts[i - 1]], lower = numbers[reading.parts[i]];
      if (higher !== undefined && higher !== null && lower !== undefined && lower !== null && lower >= higher) {
        found[reading.parts[i]] = problem("lower");
      }
    }
    return found;
  }

  // Raw answers (strings, as a form sends them) → { valid, answers, contact, errors: {field: [message]} }.
  function check(rules, values) {
    var sent = {}, errors = {}, numbers = {}, answers = {}, contact = {};
    rules.questions.forEach(function (question) {
      if (question.kind === "choice") sent[question.id] = values[question.id] === undefined ? null : values[question.id];
    });
    rules.questions.forEach(function (question) {
      if (!applies(question, sent)) return;
      var raw = values[question.id], result;
      if (question.kind === "choice") result = checkChoice(question, raw);
      else if (question.kind === "number") result = checkNumber(rules, question, raw);
      else result = checkText(rules, raw, question.max_length);
      if (result[1]) { errors[question.id] = [message(rules, result[1])]; return; }
      if (question.kind === "number") numbers[question.id] = result[0];
      var value = typeof result[0] === "string" ? strip(rules, result[0]) : result[0];
      if (value !== null && value !== "") answers[question.id] = value;
    });
    rules.readings.forEach(function (reading) {
      var found = checkReading(reading, numbers);
      Object.keys(found).forEach(function (part) { errors[part] = [message(rules, found[part])]; });
    });
    rules.contact.forEach(function (field) {
      var result = checkText(rules, values[field.id], field.max_length, field.characters);
      if (result[1]) errors[field.id] = [message(rules, result[1])];
      var given = strip(rules, values[field.id] || "");
      if (given) contact[field.id] = given;
    });
    return { valid: Object.keys(errors).length === 0, answers: answers, contact: contact, errors: errors };
  }

  // Valid answers → flagged items, CRISIS first, then DISCUSS, then INFO, in table order (readings last).
  function outcome(rules, answers) {
    var items = [], byId = {};
    rules.questions.forEach(function (question) {
      byId[question.id] = question;
      if (!applies(question, answers)) return;
      var answer = answers[question.id];
      if (typeof answer === "string" && question.flags && Object.prototype.hasOwnProperty.call(question.flags, answer)) {
        var index = question.flags[answer];
        items.push({ code: question.id + ":" + answer, question: question, flag: rules.flags[index], flagIndex: index });
      }
    });
    rules.readings.forEach(function (reading) {
      var high = reading.parts.some(function (part, i) {
        return typeof answers[part] === "number" && answers[part] >= reading.threshold[i];
      });
      var already = items.some(function (item) { return item.flagIndex === reading.flag; });
      if (high && !already) {
        items.push({ code: reading.code, question: byId[reading.parts[0]], flag: rules.flags[reading.flag], flagIndex: reading.flag });
      }
    });
    return items.map(function (item, index) { return [item, index]; }).sort(function (a, b) {
      return (LEVELS[b[0].flag.level] - LEVELS[a[0].flag.level]) || (a[1] - b[1]);
    }).map(function (pair) { return pair[0]; });
  }

  // The answers sent that call for crisis help, whatever else is missing or refused.
  function crisis(rules, values) {
    var sent = {};
    rules.questions.forEach(function (question) {
      if (question.kind === "choice") sent[question.id] = values[question.id] === undefined ? null : values[question.id];
    });
    var items = [];
    rules.questions.forEach(function (question) {
      var answer = sent[question.id];
      if (typeof answer !== "string" || !question.flags || !Object.prototype.hasOwnProperty.call(question.flags, answer)) return;
      var index = question.flags[answer], flag = rules.flags[index];
      if (flag.level === "CRISIS" && applies(question, sent)) {
        items.push({ code: question.id + ":" + answer, question: question, flag: flag, flagIndex: index });
      }
    });
    return items;
  }

  var api = { check: check, outcome: outcome, crisis: crisis, message: message, summary: function (rules, question, text) {
    return rules.summary.replace("%(question)s", question).replace("%(problem)s", text);
  } };
  if (typeof module !== "undefined" && module.exports) module.exports = api;
  else root.kinfoRules = api;
})(this);
