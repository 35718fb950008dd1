"""What every app shares and nothing owns: the error shape and its handler, parameter fields, pagination.

`core` imports none of gridgov's apps."""
