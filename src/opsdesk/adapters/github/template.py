"""The GitHub issue form for out-of-hours support requests, identical in ids and labels to the team's
(`.github/ISSUE_TEMPLATE/out-of-hours-support-request.yml`), so issues filed with either are read alike."""

from __future__ import annotations

FORM_PATH = ".github/ISSUE_TEMPLATE/out-of-hours-support-request.yml"
FORM_YAML = """\
name: Out of hours support request
description: Ask the platform team to support a planned change outside working hours (48 hours' notice at least).
title: "Service name: "
labels: ["support"]
body:
  - type: markdown
    attributes:
      value: |
        Give at least 48 hours' notice. The team checks the window, the risk and who is free, then confirms
        an engineer and any instructions on this issue.
  - type: textarea
    id: change-details
    attributes:
      label: Change Details
      description: What will change, in which environments, and who will carry it out.
    validations:
      required: true
  - type: textarea
    id: time
    attributes:
      label: Scheduled Time
      description: The date and the start and end times (UK time unless you say UTC), e.g. "Tuesday 2nd March 2027, 18:00-20:00".
    validations:
      required: true
  - type: textarea
    id: impact
    attributes:
      label: Impact Assesment
      description: What users and services are affected, and for how long.
    validations:
      required: true
  - type: textarea
    id: rollback
    attributes:
      label: Rollback Plan
      description: How the change is undone if it goes wrong, and how long that takes.
    validations:
      required: true
"""
