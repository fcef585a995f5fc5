"""The pure domain: values and rules, no I/O, never reads the clock."""
