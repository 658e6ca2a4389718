"""The extension surface: what authors of ops and of libraries on the engine use beside the top-level
``autograd`` names. ``nn`` is built on these and the top-level names only; every other module of the
engine is internal.

Ops:

- ``define_op(name, forward, partials, ...)``: a new op from its forward and its local partials.
- ``RULES`` and ``Rule``: the rule table and its rows; ``apply(rule, inputs, arg)`` records a node of a
  rule on inputs that are already Values, with no other checks (``nn``'s neurons apply ``RULES["dot"]``).
- ``everywhere``: the ``smooth`` of an op that is smooth on its whole domain.

Numbers and Values:

- ``is_real(x)``, ``is_whole(x)``: a real number, a whole number; neither may be a bool.
- ``as_float(x, where)``, ``whole_number(x, what, where)``: the same, or an error that names ``where``.
- ``float_of(x)``: the float behind a float or a Value.
- ``as_values(items, where)``: Values as they are, numbers as new leaves.
- ``real_array(values, where)``: an array or nested sequences as float64, refusing strings, bools and complex.

Pages of recorded passes:

- ``explore_options(root, options)``: ``explore``'s options checked, with their defaults.
- ``explore_pass(recorded, settings)``: the explorer page of a pass already recorded (``record``).
- ``json_number(x)``: a number as a page's JSON holds it, NaN and the infinities as strings the page reads.
- ``page_numbers(recorded, levels)``: a page's numbers for another pass over the same graph, which
  ``Explorer.renumbered`` shows without a new layout (``nn``'s training timeline uses these four).

Files:

- ``np``, ``is_array(x)``, ``imported_numpy()``: NumPy imported on first use, so that the scalar path runs
  without it (``autograd.arrays``).

Array libraries:

- ``get_backend(name, dtype, device)`` and ``Backend``: the library a replay runs on (``autograd.backends``),
  among ``BACKENDS``, in one of ``DTYPES``.
- ``any_array(x)``, ``namespace(x)``, ``on_device(x)``, ``arrays_like(values, like)``: an array of NumPy or
  of a backend's library, the functions to compute on it, ``device=`` of its device, and numbers made arrays
  like another (``autograd.arrays``).
- ``write_atomically(path, data)``: how the engine writes every file: all of it or, after a crash, the old one.
- ``open_regular_file(path, where)``: how it opens a file to read: refusing directories, FIFOs and devices.

- ``paused_gc()``: Python's cyclic collector paused around a block that makes many objects that all live on
  (a model's state written back): its passes would cost ten times the block.
"""

from autograd.arrays import any_array, arrays_like, imported_numpy, is_array, namespace, np, on_device
from autograd.backends import BACKENDS, DTYPES, Backend, get_backend
from autograd.define import define_op
from autograd.explore import explore_pass, json_number, page_numbers
from autograd.explore import settings_of as explore_options
from autograd.files import open_regular_file, write_atomically
from autograd.rules import RULES, Rule, everywhere, float_of
from autograd.state import paused_gc
from autograd.validation import as_float, is_real, is_whole, real_array, whole_number
from autograd.value import apply, as_values

__all__ = [
    "BACKENDS",
    "DTYPES",
    "RULES",
    "Backend",
    "Rule",
    "any_array",
    "apply",
    "arrays_like",
    "as_float",
    "as_values",
    "define_op",
    "everywhere",
    "explore_options",
    "explore_pass",
    "float_of",
    "get_backend",
    "imported_numpy",
    "is_array",
    "is_real",
    "is_whole",
    "json_number",
    "namespace",
    "np",
    "on_device",
    "open_regular_file",
    "page_numbers",
    "paused_gc",
    "real_array",
    "whole_number",
    "write_atomically",
]
