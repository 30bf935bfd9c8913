"""Config backups to git (issue 12, part 5; docs/backups.md).

:class:`BackupService` backs servers' configured paths up into a git repository laid out
``SERVER/PATH…`` (read over SFTP, secrets excluded or redacted, one commit per server that
changed, pushed to a remote), takes snapshots before changes, lists the history and restores
a file through the policy. ``register_backup_job`` adds the ``backup`` job kind.
"""

from shturman.services.backups.service import BackupService, register_backup_job

__all__ = ["BackupService", "register_backup_job"]
