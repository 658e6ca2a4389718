// How the explorer's page writes a number: as Python's format(x, ".{p}g") does (autograd.formatting.number_text,
// which the drawings use), so that the page and the drawings agree digit for digit. Both are checked against
// tests/data/numbers.json: by pytest, and by node's own runner (tests/js/, run by `make test`). The page loads
// this before explorer.js; node loads it with require().
var chainruleNumbers = (function () {
  "use strict";

  // A number of the page's JSON: NaN and the infinities are written as strings there (autograd.explore.json_number).
  function num(x) {
    if (typeof x === "number") return x;
    if (x === "inf") return Infinity;
    if (x === "-inf") return -Infinity;
    return NaN;
  }

  // `value` to `p` significant digits; `unknown` for NaN (an exercise writes "?" for a number not yet found,
  // and null is one).
  function fmt(value, p, unknown) {
    if (value === null) return "?";
    var x = num(value);
    if (Number.isNaN(x)) return unknown === undefined ? "nan" : unknown;
    if (x === Infinity) return "inf";
    if (x === -Infinity) return "-inf";
    if (x === 0) return Object.is(x, -0) ? "-0" : "0";
    var rounded = digits(Math.abs(x), p);
    var sign = x < 0 ? "-" : "", d = rounded.digits, exponent = rounded.exponent;
    if (exponent < -4 || exponent >= p) {
      var mantissa = trimmed(d.charAt(0) + "." + d.slice(1));
      var size = Math.abs(exponent);
      return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + (size < 10 ? "0" + size : String(size));
    }
    if (exponent < 0) return sign + trimmed("0." + "0".repeat(-exponent - 1) + d);
    return sign + trimmed(d.slice(0, exponent + 1) + "." + d.slice(exponent + 1));
  }

  // The p significant digits of x > 0 and the exponent of the first, rounded as Python rounds: to the nearest,
  // and a tie (x exactly halfway, as 0.0625 is between 0.062 and 0.063) to the even digit, where toExponential
  // rounds a tie up. A double's exact decimal digits end within 767 places; 100 of them tell a tie.
  function digits(x, p) {
    var parts = x.toExponential(p - 1).split("e");
    var result = { digits: parts[0].replace(".", ""), exponent: parseInt(parts[1], 10) };
    var exact = x.toExponential(99).split("e");
    var all = exact[0].replace(".", "");
    if (all.charAt(p) !== "5" || !/^0*$/.test(all.slice(p + 1))) return result;
    var kept = all.slice(0, p);
    if (Number(kept.charAt(p - 1)) % 2 === 0) return { digits: kept, exponent: parseInt(exact[1], 10) };
    return result;  // odd: rounded up, to the even digit above, as toExponential does
  }

  function trimmed(text) {
    return text.indexOf(".") >= 0 ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
  }

  // 12,345: written by hand, since the first toLocaleString loads the browser's locale data, which took
  // 20 ms of the first click on a node with many paths (measured in Chromium).
  function thousands(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ","); }

  return { num: num, fmt: fmt, thousands: thousands };
})();

if (typeof module !== "undefined" && module.exports) module.exports = chainruleNumbers;
