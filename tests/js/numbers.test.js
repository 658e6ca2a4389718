// The page's number formatting (autograd/explorer/numbers.js) against the cases Python wrote
// (tests/data/numbers.json, which tests/test_formatting.py checks on Python's side). Run: node --test tests/js/
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");

const numbers = require(path.join(__dirname, "..", "..", "autograd", "explorer", "numbers.js"));
const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "data", "numbers.json"), "utf8"));

test("fmt writes every case as Python's format(x, '.{p}g')", () => {
  assert.ok(fixture.cases.length > 500);
  for (const [value, digits, expected] of fixture.cases) {
    assert.equal(numbers.fmt(value, digits), expected, `${value} to ${digits} digits`);
  }
});

test("a number not yet found is written ?, and NaN as the page asks", () => {
  assert.equal(numbers.fmt(null, 4), "?");
  assert.equal(numbers.fmt("nan", 4, "?"), "?");
  assert.equal(numbers.fmt("nan", 4), "nan");
  assert.equal(numbers.num("-inf"), -Infinity);
});

test("thousands are separated by commas", () => {
  assert.equal(numbers.thousands(1234567), "1,234,567");
  assert.equal(numbers.thousands(999), "999");
});
