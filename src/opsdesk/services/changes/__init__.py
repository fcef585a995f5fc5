"""Change-request use cases: requests in (API, CLI, GitHub), checked, reviewed, approved and carried out."""
