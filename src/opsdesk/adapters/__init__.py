"""I/O: everything that talks to files, packages, databases and vendors."""
