// chainrule's teacher mode (autograd.teach), on top of the explorer's page (explorer.js) through its
// window.chainrule API: the questions of an exercise page, or the hunt for the wrong partial of a drill page.
(function () {
  "use strict";
  // The explorer is ready at once, or once the page has laid its drawings out (layout="browser").
  if (window.chainrule) teach();
  else document.addEventListener("chainrule-ready", teach, { once: true });

  function teach() {
    var api = window.chainrule;
    var data = api.data;
    var HINTS = ["the rule", "with the numbers", "the answer"];

    function byId(id) { return document.getElementById(id); }

    function el(tag, className, text) {
      var element = document.createElement(tag);
      if (className) element.className = className;
      if (text !== undefined) element.textContent = text;
      return element;
    }

    function button(label, action) {
      var b = el("button", null, label);
      b.type = "button";
      b.addEventListener("click", action);
      return b;
    }

    var section = el("section");
    section.id = "teach";
    var panel = byId("panel");
    panel.insertBefore(section, panel.firstChild);

    // A learner's answer: a decimal (0.25, -1.5e-3), a fraction (3/8), or a product, quotient, sum or
    // difference of numbers (0.5933 * 0.1385), with + − × · * / ÷ and brackets. Returns {value} or {error}.
    function parse(text) {
      var s = String(text).replace(/[−–]/g, "-").replace(/[×·]/g, "*").replace(/÷/g, "/").trim();
      var how = "write a decimal (0.25), a fraction (3/8) or a product of the numbers shown (0.5933 * 0.1385)";
      if (!s) return { error: "Type a number first: " + how + "." };
      var pos = 0;
      function peek() { while (s[pos] === " ") pos++; return s[pos]; }
      function fail() { throw new Error("unreadable"); }
      function number() {
        peek();
        var match = /^(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(s.slice(pos));
        if (!match) fail();
        pos += match[0].length;
        return parseFloat(match[0]);
      }
      function factor() {
        var c = peek();
        if (c === "-") { pos++; return -factor(); }
        if (c === "+") { pos++; return factor(); }
        if (c === "(") {
          pos++;
          var inner = sum();
          if (peek() !== ")") fail();
          pos++;
          return inner;
        }
        return number();
      }
      function product() {
        var value = factor();
        for (;;) {
          var c = peek();
          if (c === "*") { pos++; value *= factor(); }
          else if (c === "/") { pos++; value /= factor(); }
          else return value;
        }
      }
      function sum() {
        var value = product();
        for (;;) {
          var c = peek();
          if (c === "+") { pos++; value += product(); }
          else if (c === "-") { pos++; value -= product(); }
          else return value;
        }
      }
      try {
        var value = sum();
        if (peek() !== undefined) fail();
        if (!Number.isFinite(value)) return { error: "“" + text + "” is not a finite number (a division by 0?)." };
        return { value: value };
      } catch (e) {
        var rest = s.slice(pos) || "its end";
        return { error: "Cannot read “" + text + "” at “" + rest + "”: " + how + "." };
      }
    }

    // Exercises ----------------------------------------------------------------------------------------------

    function exercise(ex) {
      var questions = ex.questions, truth = api.document.numbers, total = questions.length;
      var state = null;

      section.setAttribute("aria-label", "Exercise");
      var heading = el("h2", null, "Exercise");
      var progress = el("progress");
      progress.max = total;
      var status = el("div", "teach-status");
      var question = el("p", "teach-question");
      var about = el("p", "teach-about");
      var form = el("form", "teach-form");
      var input = el("input");
      input.id = "teach-answer";
      input.setAttribute("aria-label", "Your answer");
      input.autocomplete = "off";
      input.placeholder = "0.25, 3/8 or 0.5933 * 0.1385";
      var check = el("button", null, "check");
      check.type = "button";
      form.appendChild(input);
      form.appendChild(check);
      var feedback = el("p", "teach-feedback");
      feedback.setAttribute("role", "status");
      var hints = el("ol", "teach-hints");
      var actions = el("div", "teach-actions");
      var hintButton = button("hint", function () { hint(); });
      hintButton.id = "teach-hint";
      var resetButton = button("reset", function () { reset(); });
      resetButton.id = "teach-reset";
      actions.appendChild(hintButton);
      actions.appendChild(resetButton);
      [heading, progress, status, question, about, form, feedback, hints, actions].forEach(function (e) {
        section.appendChild(e);
      });
      var note = el("p", "teach-note", "The answers are in this page, which works offline: a worksheet that checks " +
        "itself, not an exam.");
      section.appendChild(note);

      function fresh() {
        return {
          at: 0, known: { data: ex.known.data.slice(), partial: ex.known.partial.slice(), grad: ex.known.grad.slice() },
          results: questions.map(function () { return null; }), hints: questions.map(function () { return 0; }),
          wrong: questions.map(function () { return 0; }),
        };
      }

      // The page's numbers with each one not known yet as null (labels.js).
      function masked() { return chainruleLabels.masked(truth, state.known, api.document.graph); }

      function score() { return state.results.reduce(function (a, r) { return a + (r || 0); }, 0); }
      function hintsUsed() { return state.hints.reduce(function (a, h) { return a + h; }, 0); }
      function wrongTries() { return state.wrong.reduce(function (a, w) { return a + w; }, 0); }

      function summary() {
        return "score " + score() + " of " + total + " · " + hintsUsed() + " hint" + (hintsUsed() === 1 ? "" : "s") +
          " · " + wrongTries() + " wrong tr" + (wrongTries() === 1 ? "y" : "ies");
      }

      function targetOf(q) {
        return q.kind === "partial" ? api.edgeElement(q.index) : api.nodeElement(q.index);
      }

      function show() {
        api.setNumbers(masked());
        document.querySelectorAll(".asked").forEach(function (e) { e.classList.remove("asked"); });
        var q = questions[state.at];
        progress.value = state.at;
        while (hints.firstChild) hints.removeChild(hints.firstChild);
        if (q === undefined) {
          status.textContent = "All " + total + " answered: " + summary() + ".";
          question.textContent = "Done. Press reset to start again.";
          about.textContent = "";
          input.disabled = check.disabled = hintButton.disabled = true;
          section.dataset.done = "1";
          return;
        }
        delete section.dataset.done;
        input.disabled = check.disabled = false;
        status.textContent = "Question " + (state.at + 1) + " of " + total + " · " + summary();
        question.textContent = "What is " + q.prompt + "?";
        about.textContent = q.about;
        var target = targetOf(q);
        if (target) target.classList.add("asked");
        api.select(q.kind === "partial" ? data.edges[q.index].to : q.index, true);
        for (var h = 0; h < state.hints[state.at]; h++) hints.appendChild(el("li", null, q.hints[h]));
        var level = state.hints[state.at];
        hintButton.disabled = level >= HINTS.length;
        hintButton.textContent = level >= HINTS.length ? "no more hints" : "hint " + (level + 1) + " of " +
          HINTS.length + ": " + HINTS[level];
        input.value = "";
        section.dataset.question = String(state.at);
      }

      // Question `at` comes: the numbers it is computed from become known.
      function enter(at) {
        state.at = at;
        var q = questions[at];
        if (q) q.needs.forEach(function (need) { state.known[need[0]][need[1]] = true; });
        show();
      }

      // A question answered (or shown) is known; so are the partials a gradient was computed with.
      function solved(q) {
        state.known[q.kind][q.index] = true;
        if (q.kind === "grad") {
          data.edges.forEach(function (edge, k) { if (edge.from === q.index) state.known.partial[k] = true; });
        }
      }

      function answer(text) {
        var q = questions[state.at];
        if (!q) return false;
        var parsed = parse(text);
        if (parsed.error) {
          feedback.textContent = parsed.error;
          feedback.className = "teach-feedback unreadable";
          return false;
        }
        if (Math.abs(parsed.value - q.answer) <= q.tolerance) {
          state.results[state.at] = state.hints[state.at] === 0 ? 1 : 0.5;
          solved(q);
          feedback.textContent = "Right: " + q.prompt + " = " + q.shown + (state.hints[state.at] ? " (half a point, " +
            "with hints)." : ".");
          feedback.className = "teach-feedback right";
          enter(state.at + 1);
          return true;
        }
        state.wrong[state.at] += 1;
        feedback.textContent = "Not yet: " + api.fmt(parsed.value) + " is not " + q.prompt + " to the " +
          data.precision + " digits shown. Check the numbers you used, or take a hint.";
        feedback.className = "teach-feedback wrong";
        status.textContent = "Question " + (state.at + 1) + " of " + total + " · " + summary();
        return false;
      }

      function hint() {
        var q = questions[state.at];
        if (!q || state.hints[state.at] >= HINTS.length) return;
        state.hints[state.at] += 1;
        if (state.hints[state.at] === HINTS.length) {  // the answer: filled in, for no point
          state.results[state.at] = 0;
          solved(q);
          feedback.textContent = "The answer: " + q.hints[HINTS.length - 1] + " (no point). The next question:";
          feedback.className = "teach-feedback shown";
          enter(state.at + 1);
          return;
        }
        feedback.textContent = "";
        show();
      }

      function reset() {
        state = fresh();
        feedback.textContent = "";
        feedback.className = "teach-feedback";
        enter(0);
      }

      // Checked on Enter and on the button by their own events, not by the form's submit: a page in a notebook's
      // or the playground's sandboxed iframe (allow-scripts, not allow-forms) gets no submit event at all.
      input.addEventListener("keydown", function (event) {
        if (event.key !== "Enter") return;
        event.preventDefault();
        answer(input.value);
      });
      check.addEventListener("click", function () { answer(input.value); });
      form.addEventListener("submit", function (event) { event.preventDefault(); });

      reset();
      api.exercise = {
        answer: answer, hint: hint, reset: reset, parse: parse,
        state: function () {
          return { at: state.at, total: total, score: score(), hints: hintsUsed(), wrong: wrongTries(),
                   results: state.results.slice(), known: state.known };
        },
      };
    }

    // Drills -------------------------------------------------------------------------------------------------

    function drill(d) {
      section.setAttribute("aria-label", "Find the wrong derivative");
      section.appendChild(el("h2", null, "Find the wrong derivative"));
      section.appendChild(el("p", null, "One edge's local partial in this graph is wrong (a sign, a factor of 2, " +
        "or σ′ written as σ), so the gradients below it are wrong too. Click the edge to blame: its label in the " +
        "drawing, or its row in a node's inputs."));
      var feedback = el("p", "teach-feedback");
      feedback.setAttribute("role", "status");
      section.appendChild(feedback);
      var giveUp = button("show how gradcheck finds it", function () { localise(); });
      giveUp.id = "teach-localise";
      section.appendChild(giveUp);
      var found = el("div", "teach-localise");
      found.hidden = true;
      section.appendChild(found);
      var tries = 0, solved = false;

      function symbol(k) {
        var edge = data.edges[k];
        return "∂" + name(edge.to) + "/∂" + name(edge.from);
      }
      function name(i) { return data.nodes[i].name; }

      function blame(k) {
        if (solved) return k === d.edge;
        tries += 1;
        var element = api.edgeElement(k);
        var edge = data.edges[k];
        var row = d.edges[k];
        if (k === d.edge) {
          solved = true;
          if (element) element.classList.add("blamed-right");
          feedback.className = "teach-feedback right";
          feedback.textContent = "Right, in " + tries + " tr" + (tries === 1 ? "y" : "ies") + ": " + symbol(k) +
            " is " + api.fmt(d.wrong) + " here, but its rule gives " + api.fmt(d.right) + " (" + d.mistake + ").";
          localise();
          return true;
        }
        if (element) element.classList.add("blamed-wrong");
        feedback.className = "teach-feedback wrong";
        feedback.textContent = "Not this one: " + symbol(k) + " = " + api.fmt(edge.partial) +
          " agrees with a central difference of its op (" + api.fmt(row[2]) + "). Tries: " + tries + ".";
        return false;
      }

      function table(title, rows, label, explanation) {
        found.appendChild(el("h3", null, title));
        found.appendChild(el("p", "hint", explanation));
        var t = el("table", "teach-check");
        var head = el("tr");
        [label, "backward", "central difference", ""].forEach(function (h) { head.appendChild(el("th", null, h)); });
        t.appendChild(head);
        rows.forEach(function (r) {
          var tr = el("tr", r[3] ? "agrees" : "disagrees");
          [r[4], api.fmt(r[1]), api.fmt(r[2]), r[3] ? "✓" : "✗"].forEach(function (c) {
            tr.appendChild(el("td", null, c));
          });
          t.appendChild(tr);
        });
        found.appendChild(t);
      }

      function localise() {
        if (!found.hidden) return;
        found.hidden = false;
        giveUp.hidden = true;
        var edge = data.edges[d.edge];
        var wrongInputs = d.inputs.filter(function (r) { return !r[3]; }).map(function (r) { return name(r[0]); });
        table("1. gradcheck, input by input", d.inputs.map(function (r) { return r.concat([name(r[0])]); }), "input",
          "autograd.gradcheck compares each input's gradient with a central difference of the root: " +
          wrongInputs.join(", ") + " disagree" + (wrongInputs.length === 1 ? "s" : "") + ". Every path from " +
          (wrongInputs.length === 1 ? "it" : "them") + " to the root passes the wrong edge.");
        var nodesDisagreeing = d.nodes.filter(function (r) { return !r[3]; });
        var highest = nodesDisagreeing.reduce(function (a, r) { return r[0] > a ? r[0] : a; }, -1);
        table("2. Node by node", d.nodes.filter(function (r) { return r[0] !== data.root; }).map(function (r) {
          return r.concat([name(r[0])]);
        }), "node", "Moving one node's value and computing the root again checks its gradient alone. The gradients " +
          "agree down to the nodes that use " + name(highest) + ", and disagree from " + name(highest) +
          " on: the wrong partial is on an edge out of " + name(highest) + ".");
        var out = d.edges.filter(function (r) { return data.edges[r[0]].from === edge.from; });
        table("3. Edge by edge", out.map(function (r) { return r.concat([symbol(r[0])]); }), "edge out of " +
          name(edge.from), "Each edge's local partial against a central difference of its op alone: " + symbol(d.edge) +
          " is " + api.fmt(d.wrong) + ", where its op's central difference gives " + api.fmt(d.edges[d.edge][2]) + ".");
        found.dataset.edge = String(d.edge);
      }

      document.querySelectorAll(".view[data-view]").forEach(function (view) {
        view.addEventListener("click", function (event) {
          var target = event.target.closest ? event.target.closest("g.edge") : null;
          var match = target ? /-e(\d+)$/.exec(target.id) : null;
          if (match) blame(Number(match[1]));
        });
      });
      panel.addEventListener("click", function (event) {
        var row = event.target.closest ? event.target.closest("tr.edge-row") : null;
        if (row) blame(Number(row.dataset.edge));
      });
      api.drill = {
        blame: blame, localise: localise,
        state: function () { return { tries: tries, solved: solved }; },
      };
    }

    if (data.exercise) exercise(data.exercise);
    else if (data.drill) drill(data.drill);
  }
})();
