"""GitHub: change requests filed as issues (the form, comment commands, signed webhooks), and the status comments, labels and replies opsdesk writes back."""
