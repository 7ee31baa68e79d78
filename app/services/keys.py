"""The centre's signing key and the partners' public keys (Ed25519, with the cryptography library).

The private key never enters the database: it is a PEM file, encrypted with a
passphrase, or unencrypted in a file only its owner can read (created 0600).
Public keys are registered in the database with their fingerprint, the
SHA-256 of the raw 32-byte key, which the two centres compare by another
channel (a call, a note verbale) before trusting it. Every key operation is
for administrators only and is written to the audit log.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
    load_pem_public_key,
)
from sqlalchemy.orm import Session

from app.db import accounts as users
from app.db import records as repo
from app.db.models import StatementKey
from app.domain.errors import DomainError
from app.domain.ledger import STATE_CODE
from app.domain.statement import Signature
from app.services.accounts import Role, audit

MIN_PASSPHRASE = 10
MAX_KEY_FILE = 10_000


class SignatureError(DomainError):
    """A signature that cannot be trusted: unknown key, another state's key, or not verifying."""


@dataclass(frozen=True, slots=True)
class KeyInfo:
    state: str
    fingerprint: str
    own: bool
    added_at: dt.datetime
    added_by: str

    @property
    def grouped(self) -> str:
        return grouped(self.fingerprint)

    def as_json(self) -> dict[str, object]:
        return {
            "state": self.state,
            "fingerprint": self.fingerprint,
            "own": self.own,
            "added_at": self.added_at.isoformat(),
            "added_by": self.added_by,
        }


def fingerprint(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def grouped(value: str) -> str:
    """A fingerprint as it is read aloud: sixteen groups of four hex digits."""
    return " ".join(value[i : i + 4] for i in range(0, len(value), 4))


def _info(key: StatementKey) -> KeyInfo:
    added = key.added_at if key.added_at.tzinfo else key.added_at.replace(tzinfo=dt.UTC)
    return KeyInfo(key.state, key.fingerprint, key.own, added, key.added_by)


def require_admin(session: Session, username: str) -> None:
    """Key operations are for administrators: ``username`` must be an enabled admin account."""
    user = users.user_by_name(session, username)
    if user is None or user.disabled or not Role(user.role).can(Role.ADMIN):
        raise DomainError(
            f"key operations are for administrators, and {username!r} is not an enabled admin account "
            "(add one with `csbm users add NAME --role admin`, then act as it with --user NAME)",
            field="user",
        )


def _state(state: str) -> str:
    if not STATE_CODE.match(state):
        raise DomainError(f"{state!r} is not an ISO 3166-1 alpha-2 code", field="state")
    return state


def create_key(
    session: Session, *, path: Path, passphrase: str | None, state: str, at: dt.datetime, by: str
) -> KeyInfo:
    """A new key pair for this centre: the private key written to ``path`` (never over an
    existing file), the public key registered as the centre's own."""
    require_admin(session, by)
    _state(state)
    if passphrase is not None and len(passphrase) < MIN_PASSPHRASE:
        raise DomainError(f"a passphrase needs at least {MIN_PASSPHRASE} characters", field="passphrase")
    if path.exists():
        raise DomainError(f"{path} exists; csbm never overwrites a private key (move it away or choose another --key)")
    private = Ed25519PrivateKey.generate()
    raw = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    key = _register(session, raw, state=state, own=True, at=at, by=by)
    encryption = BestAvailableEncryption(passphrase.encode("utf-8")) if passphrase else NoEncryption()
    _write_private(path, private.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, encryption))
    audit(
        session,
        by=by,
        at=at,
        action="key.create",
        target=state,
        after={"fingerprint": key.fingerprint, "file": str(path), "encrypted": passphrase is not None},
    )
    return _info(key)


def _register(session: Session, raw: bytes, *, state: str, own: bool, at: dt.datetime, by: str) -> StatementKey:
    encoded = base64.b64encode(raw).decode("ascii")
    return repo.add_key(session, state=state, fingerprint=fingerprint(raw), public_key=encoded, own=own, at=at, by=by)


def _write_private(path: Path, pem: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL: never over a file that appeared meanwhile; 0600 from the first byte, not chmod after.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as stream:
        stream.write(pem)
        stream.flush()
        os.fsync(stream.fileno())


def own_key(session: Session, state: str) -> StatementKey:
    found = repo.keys(session, state=state, own=True)
    if not found:
        raise DomainError(f"this centre has no key for {state}: an admin creates one with `csbm keys create`")
    return found[0]


def export_public(session: Session, *, state: str, at: dt.datetime, by: str) -> tuple[bytes, KeyInfo]:
    """The centre's current public key as PEM, for the partner to import."""
    require_admin(session, by)
    key = own_key(session, state)
    pem = _public(key).public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    audit(session, by=by, at=at, action="key.export", target=state, after={"fingerprint": key.fingerprint})
    return pem, _info(key)


def _public(key: StatementKey) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(key.public_key))


def import_key(session: Session, *, state: str, data: bytes, name: str, at: dt.datetime, by: str) -> KeyInfo:
    """Register a partner's public key (PEM); registering the same key again changes nothing."""
    require_admin(session, by)
    _state(state)
    raw = _public_bytes(data, name)
    existing = repo.key_by_fingerprint(session, fingerprint(raw))
    if existing is not None:
        if existing.state != state:
            raise DomainError(f"{name}: this key is already registered for {existing.state}, not {state}")
        return _info(existing)
    key = _register(session, raw, state=state, own=False, at=at, by=by)
    audit(session, by=by, at=at, action="key.import", target=state, after={"fingerprint": key.fingerprint})
    return _info(key)


def _public_bytes(data: bytes, name: str) -> bytes:
    if len(data) > MAX_KEY_FILE:
        raise DomainError(f"{name}: too large to be a public key")
    try:
        public = load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm):
        raise DomainError(f"{name}: not a public key in PEM form (-----BEGIN PUBLIC KEY-----)") from None
    if not isinstance(public, Ed25519PublicKey):
        raise DomainError(f"{name}: not an Ed25519 key; csbm statements are signed with Ed25519")
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


def preview_key(session: Session, *, data: bytes, name: str, by: str) -> str:
    """The fingerprint a key file would be registered with, for the admin to confirm first."""
    require_admin(session, by)
    return grouped(fingerprint(_public_bytes(data, name)))


def list_keys(session: Session, *, by: str) -> list[KeyInfo]:
    require_admin(session, by)
    return [_info(k) for k in repo.keys(session)]


def is_encrypted(path: Path) -> bool:
    try:
        return b"ENCRYPTED PRIVATE KEY" in path.read_bytes()[:MAX_KEY_FILE]
    except OSError:
        return False


def load_private_key(path: Path, passphrase: str | None) -> Ed25519PrivateKey:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DomainError(f"{path}: cannot read the signing key ({exc.strerror})", field="key") from None
    password = passphrase.encode("utf-8") if passphrase and b"ENCRYPTED" in data else None
    try:
        private = load_pem_private_key(data, password=password)
    except TypeError:
        raise DomainError(f"{path}: the key is encrypted; give its passphrase", field="key") from None
    except (ValueError, UnsupportedAlgorithm):
        raise DomainError(f"{path}: wrong passphrase, or not a PEM private key", field="key") from None
    if not isinstance(private, Ed25519PrivateKey):
        raise DomainError(f"{path}: not an Ed25519 private key", field="key")
    return private


def signing_key(session: Session, path: Path, passphrase: str | None, state: str) -> Ed25519PrivateKey:
    """The private key at ``path``, which must be the centre's registered key for ``state``."""
    private = load_private_key(path, passphrase)
    raw = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    key = repo.key_by_fingerprint(session, fingerprint(raw))
    if key is None or not key.own or key.state != state:
        raise DomainError(
            f"{path}: key {grouped(fingerprint(raw))} is not this centre's registered key for {state}", field="key"
        )
    return private


def sign(private: Ed25519PrivateKey, data: bytes) -> Signature:
    raw = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return Signature(key=fingerprint(raw), value=base64.b64encode(private.sign(data)).decode("ascii"))


def verify_signature(session: Session, signature: Signature, data: bytes, *, state: str) -> KeyInfo:
    """The registered key of ``state`` that made ``signature`` over ``data``; SignatureError otherwise."""
    key = repo.key_by_fingerprint(session, signature.key)
    shown = grouped(signature.key)
    if key is None:
        raise SignatureError(
            f"signed with an unknown key (fingerprint {shown}): register {state}'s public key with "
            f"`csbm keys import {state} FILE` once its fingerprint is confirmed with {state} by another channel"
        )
    if key.state != state:
        raise SignatureError(f"signed with {key.state}'s key {shown}, not with a key of {state}")
    try:
        _public(key).verify(base64.b64decode(signature.value), data)
    except InvalidSignature:
        raise SignatureError(
            f"the signature does not verify against {state}'s key {shown}: the statement was changed after it was "
            "signed, or it was signed with another key"
        ) from None
    return _info(key)
