// Runs the phone's interpreter of the self-check (rules.js, as the site serves it) over answer sets, for the
// golden test: node golden.js ENGINE.js RULES.json CASES.json → one result per case on standard output.
"use strict";
const fs = require("fs");
const path = require("path");

const engine = require(path.resolve(process.argv[2]));
const rules = JSON.parse(fs.readFileSync(process.argv[3], "utf8"));
const cases = JSON.parse(fs.readFileSync(process.argv[4], "utf8"));
const results = cases.map((values) => {
  const checked = engine.check(rules, values);
  const crisis = engine.crisis(rules, values).map((item) => item.code);
  if (!checked.valid) return { valid: false, errors: checked.errors, crisis };
  return { valid: true, answers: checked.answers, contact: checked.contact, crisis,
           outcome: engine.outcome(rules, checked.answers).map((item) => [item.code, item.flag.level]) };
});
process.stdout.write(JSON.stringify(results));
