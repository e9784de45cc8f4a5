"""Where an MFA code comes from: one small module per source, behind one function type.

A :data:`CodeSource` is called with the MFA device's serial when a code is needed and returns
six digits, or raises :class:`~mfa_assume.errors.HelperError` with its exit code:

* ``terminal``: typed on the controlling terminal, hidden (the default);
* ``process``: the standard output of the profile's ``mfa_process`` command;
* ``stdin``: ``--token-code -``.

``--token-code CODE`` needs no source. Adding a source adds a module and a branch in
:func:`mfa_assume.flow.code_source`; nothing else changes.
"""

from __future__ import annotations

from collections.abc import Callable

CodeSource = Callable[[str], str]
