// The paths from a node to the root, as autograd.explain finds them: what the panel lists under "a sum over
// paths". Pure: it reads the page's data (document.js's dataOf) and nothing else; node's own runner holds it
// to Python's explain on tests/data/pages.json.
var chainrulePaths = (function () {
  "use strict";

  // The graph's paths: each node's edges out and in, how many paths lead from it to the root (nodes are
  // numbered inputs first, the root last), what lies on them, and the first of them in explain's order.
  function of(data) {
    var nodes = data.nodes, edges = data.edges, root = data.root;
    var outEdges = nodes.map(function () { return []; });
    var inEdges = nodes.map(function () { return []; });
    edges.forEach(function (edge, k) {
      outEdges[edge.from].push(k);
      inEdges[edge.to].push(k);
    });
    var pathCount = new Array(nodes.length).fill(0);
    pathCount[root] = 1;
    for (var i = nodes.length - 1; i >= 0; i--) {
      if (i === root) continue;
      var total = 0;
      outEdges[i].forEach(function (k) { total += pathCount[edges[k].to]; });
      pathCount[i] = total;
    }

    // Every node and edge on a path from node i to the root.
    function towardsRoot(i) {
      var seenNodes = new Set([i]), seenEdges = new Set(), queue = [i];
      while (queue.length) {
        var at = queue.pop();
        outEdges[at].forEach(function (k) {
          seenEdges.add(k);
          var next = edges[k].to;
          if (!seenNodes.has(next)) { seenNodes.add(next); queue.push(next); }
        });
      }
      return { nodes: seenNodes, edges: seenEdges };
    }

    // The first `limit` paths from node i to the root, each a list of edges from i upwards, in the order
    // autograd.explain lists them: depth first from the root down, each node's inputs in the op's order.
    function firstPaths(i, limit) {
      var on = towardsRoot(i).nodes;
      var found = [];
      var stack = [[root, null]];
      while (stack.length && found.length < limit) {
        var top = stack.pop();
        if (top[0] === i) {
          var path = [];
          for (var link = top[1]; link; link = link.up) path.push(link.edge);
          found.push(path);
          continue;
        }
        var ins = inEdges[top[0]];
        for (var j = ins.length - 1; j >= 0; j--) {
          if (on.has(edges[ins[j]].from)) stack.push([edges[ins[j]].from, { edge: ins[j], up: top[1] }]);
        }
      }
      return found;
    }

    return { outEdges: outEdges, inEdges: inEdges, pathCount: pathCount, towardsRoot: towardsRoot,
      firstPaths: firstPaths };
  }

  return { of: of };
})();
if (typeof module !== "undefined") module.exports = chainrulePaths;
