"""The ask channel's use cases: each message event taken in once, questions followed up in support hours
and answered out of hours, in the question's thread."""
