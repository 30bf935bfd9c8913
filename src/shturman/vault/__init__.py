"""Credential encryption: Fernet/MultiFernet with key rotation.

The master key lives in a file (mode 0600) or the ``SHTURMAN_VAULT_KEY`` setting, never in the
database. Only ``hosts/`` asks for plaintext, and only while a connection opens.
"""

from shturman.vault.keyring import Keyring, LazyKeyring, create_key_file
from shturman.vault.vault import SecretKind, SecretStore, Vault

__all__ = ["Keyring", "LazyKeyring", "SecretKind", "SecretStore", "Vault", "create_key_file"]
