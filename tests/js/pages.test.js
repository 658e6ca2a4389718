// The page's pure modules (document.js, labels.js, steps.js, paths.js) against what Python makes of the same
// pages' documents (tests/data/pages.json, written by scripts/make-page-fixtures from tests/page_fixtures.py,
// which tests/test_document.py checks Python still makes). Run: node --test tests/js/
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");

const here = path.join(__dirname, "..", "..", "autograd", "explorer");
const numbers = require(path.join(here, "numbers.js"));
const labels = require(path.join(here, "labels.js"));
const documents = require(path.join(here, "document.js"));
const steps = require(path.join(here, "steps.js"));
const paths = require(path.join(here, "paths.js"));
const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "data", "pages.json"), "utf8"));

function close(a, b, what) {
  assert.ok(Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b)), `${what}: ${a} against ${b}`);
}

test("the fixture holds every kind of page", () => {
  const names = fixture.pages.map((page) => page.name);
  assert.deepEqual(names, ["worked example", "shared nodes, forward mode", "an MLP's views, coloured",
    "an unrolled RNN", "an exercise"]);
});

for (const page of fixture.pages) {
  const doc = page.document;

  test(`${page.name}: dataOf puts the numbers in place as Python's data_of does`, () => {
    assert.equal(doc.version, documents.VERSION);
    assert.deepEqual(documents.dataOf(doc), page.data);
  });

  test(`${page.name}: every label is filled as Python's labels.fill fills it`, () => {
    const shown = labels.shown(doc);
    assert.deepEqual(shown, page.shown);
    let filled = 0;
    doc.views.forEach((view, v) => {
      for (const [kind, template] of Object.entries(view.labels)) {
        page.labels[v][kind].forEach((want, k) => {
          const lines = labels.fill(template, (name) => labels.slotValue(shown, doc.graph.edges, v, kind, k, name),
            doc.precision);
          assert.deepEqual(lines, want, `view ${v}, ${kind}${k}`);
          filled += 1;
        });
      }
    });
    assert.ok(filled >= doc.graph.nodes.length);
  });

  test(`${page.name}: each step's text and the gradients after it are backward_steps'`, () => {
    const data = documents.dataOf(doc);
    const stepper = steps.of(data, (x) => numbers.fmt(x, fixture.digits));
    assert.equal(page.stepTexts.length, data.steps.length);
    page.stepTexts.forEach((text, k) => assert.equal(stepper.stepText(k), text));
    page.gradsAfter.forEach((want, k) => {
      const got = stepper.gradsAt(k);
      want.forEach((g, i) => {
        if (g === null) assert.equal(got[i], null, `node ${i} after ${k} steps`);
        else close(got[i], g, `node ${i} after ${k} steps`);
      });
    });
  });

  test(`${page.name}: each node's paths to the root are explain's, in its order`, () => {
    const data = documents.dataOf(doc);
    const found = paths.of(data);
    page.paths.forEach((want, i) => {
      assert.equal(found.pathCount[i], want.count, `node ${i}'s path count`);
      const listed = found.firstPaths(i, data.maxPaths);
      assert.deepEqual(listed.map((edges) => [i].concat(edges.map((k) => data.edges[k].to))), want.paths);
      listed.forEach((edges, n) => {
        close(edges.reduce((product, k) => product * numbers.num(data.edges[k].partial), 1), want.products[n],
          `node ${i}, path ${n}`);
      });
    });
  });
}

test("a slot not known is written ?, one not reached ·, and NaN as the page asks", () => {
  const template = { first: -2, lines: [["data ", ["data"]], ["grad ", ["grad"]]] };
  const values = { data: null, grad: labels.UNREACHED };
  assert.deepEqual(labels.fill(template, (name) => values[name], 4), ["data ?", "grad ·"]);
  assert.deepEqual(labels.fill(template, () => NaN, 4, "?"), ["data ?", "grad ?"]);
  assert.deepEqual(labels.fill(template, () => NaN, 4), ["data nan", "grad nan"]);
});

test("a document of another version is refused, naming both", () => {
  assert.throws(() => documents.dataOf({ version: 2 }), /version 2; this script reads version 1/);
});

test("writeNumbers puts another pass's numbers where dataOf puts the document's, null where not known", () => {
  const page = fixture.pages.find((p) => p.name === "an exercise");
  const data = documents.writeNumbers(documents.dataOf(page.document), page.shown);
  data.nodes.forEach((node, i) => {
    assert.equal(node.data, page.shown.data[i]);
    assert.equal(node.grad, page.shown.grad[i]);
  });
  assert.ok(data.nodes.some((node) => node.grad === null));
  data.steps.forEach((step, s) => assert.deepEqual(step.edges.map((e) => e[1]), page.shown.steps[s][1]));
  assert.deepEqual(documents.writeNumbers(documents.dataOf(page.document), page.document.numbers), page.data);
});
