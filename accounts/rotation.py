"""Re-encrypting every stored secret under the newest TOKEN_ENCRYPTION_KEYS key.

By convention every model field whose name ends in ``_encrypted`` holds ciphertext from
``accounts.crypto`` (OAuth tokens, webhook signing secrets), so a field added later is
rotated without touching this module.

Rows go in batches of short transactions. Each batch locks its rows with SKIP LOCKED, so a
token refresh or a publish holding a row is not kept waiting; the rows it skipped are done
afterwards one at a time, each waiting only for its own lock. Every value is read and
written under the row's lock, so a concurrent write is never overwritten with stale
ciphertext. Values the newest key already reads are left alone: running it twice changes
nothing the second time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import models, transaction

from accounts import crypto


@dataclass
class RotationCounts:
    label: str
    rows: int = 0
    rotated: int = 0  # values re-encrypted (or, in a dry run, that would be)
    current: int = 0  # values the newest key already encrypts
    waited: int = 0  # rows another transaction held, done one by one afterwards
    unreadable: list[str] = field(default_factory=list)  # "pk.field" no configured key reads


def encrypted_fields() -> Iterator[tuple[type[models.Model], list[str]]]:
    """Each model with ``*_encrypted`` fields, and those fields' column attribute names."""
    for model in apps.get_models():
        names = [f.attname for f in model._meta.concrete_fields if f.name.endswith("_encrypted")]
        if names:
            yield model, names


def rotate_model(
    model: type[models.Model],
    fields: Sequence[str],
    *,
    batch_size: int = 200,
    dry_run: bool = False,
) -> RotationCounts:
    counts = RotationCounts(label=model._meta.label)
    manager = model._default_manager
    waiting: list[object] = []
    last_pk: object = None
    while True:
        page = manager.order_by("pk")
        if last_pk is not None:
            page = page.filter(pk__gt=last_pk)
        pks = list(page.values_list("pk", flat=True)[:batch_size])
        if not pks:
            break
        last_pk = pks[-1]
        with transaction.atomic():
            rows = manager.filter(pk__in=pks).order_by("pk")
            if not dry_run:
                rows = rows.select_for_update(skip_locked=True)
            done = _rotate_rows(model, fields, rows.values_list("pk", *fields), counts, dry_run)
        waiting += [pk for pk in pks if pk not in done]
    for pk in waiting:
        with transaction.atomic():
            rows = manager.select_for_update().filter(pk=pk).values_list("pk", *fields)
            if _rotate_rows(model, fields, rows, counts, dry_run):
                counts.waited += 1
    return counts


def _rotate_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Any],
    counts: RotationCounts,
    dry_run: bool,
) -> set[object]:
    """Re-encrypt the given rows' values; the pks of the rows seen."""
    seen: set[object] = set()
    for pk, *values in rows:
        seen.add(pk)
        counts.rows += 1
        changes: dict[str, str] = {}
        for name, value in zip(fields, values, strict=True):
            if not value:
                continue
            if crypto.is_current(value):
                counts.current += 1
                continue
            try:
                changes[name] = crypto.rotate(value)
            except ValueError:
                counts.unreadable.append(f"{pk}.{name}")
                continue
            counts.rotated += 1
        if changes and not dry_run:
            model._default_manager.filter(pk=pk).update(**changes)
    return seen


def rotate_all(*, batch_size: int = 200, dry_run: bool = False) -> list[RotationCounts]:
    return [
        rotate_model(model, names, batch_size=batch_size, dry_run=dry_run)
        for model, names in encrypted_fields()
    ]
