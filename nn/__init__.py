"""chainrule's neural-network library, built on the ``autograd`` engine."""

import autograd as _autograd

if getattr(_autograd, "__distribution__", None) != "chainrule":
    raise ImportError(
        f"nn needs chainrule's autograd engine, but 'import autograd' found another package at "
        f"{getattr(_autograd, '__file__', '?')} (probably the HIPS 'autograd' distribution, which uses the "
        "same import name). Install chainrule in a fresh virtual environment, or 'pip uninstall autograd'."
    )

__all__: list[str] = []
