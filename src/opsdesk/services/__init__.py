"""Use cases: ask the domain what holds at `now`, through ports; no vendor code here."""
