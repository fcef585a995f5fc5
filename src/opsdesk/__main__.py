"""`python -m opsdesk`: the same as the `opsdesk` command."""

from opsdesk.entrypoints.cli.app import main

main()
