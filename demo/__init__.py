"""The demo county (化德县) and the simulator that keeps it busy.

It depends on the other apps and nothing depends on it: a county's deployment may leave it out."""
