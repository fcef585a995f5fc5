"""Out-of-hours change requests: the request, its window, the checks, the workflow and who may act."""
