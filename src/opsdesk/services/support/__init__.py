"""The support board: requests filed, triaged and worked through, from GitHub, the API and the CLI."""
