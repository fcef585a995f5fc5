"""Every setting and the team's policy, typed and read once (never at import time)."""
