"""What every app shares and nothing owns: the error shape and its handler, parameter fields, pagination,
the versioned per-process caches (versions.py).

`core` imports none of gridgov's apps."""
