"""The embedded default's message broker: kombu's filesystem transport, made safe for
several processes writing while a worker reads.

kombu 5.7's filesystem Channel writes a message in place: it creates the file, which a
consumer can see at once, empty, and only then serialises and writes the JSON. A worker
polling the folder in between claims an empty or half-written file, fails to decode it, and
that exception ends the Celery worker. Here a message is written whole to a hidden file in the
same folder and renamed into place (a rename within one file system is atomic), so a consumer
sees all of it or nothing. A file that still cannot be read (a disk error, a file cut short by
a crash, a hand edit) is moved to a `corrupt` folder and logged rather than ending the worker;
the database, not the broker, knows which posts still need sending, so nothing is lost with it.

Celery reaches this transport through the `filesystem-atomic://` broker URL (registered
below, when the Celery app imports this module).
"""

from __future__ import annotations

import contextlib
import logging
import os
import uuid
from queue import Empty
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads
from kombu.utils.objects import cached_property

logger = logging.getLogger(__name__)

ALIAS = "filesystem-atomic"
# Marks a message still being written: kombu's listing, size and purge match a queue's files
# by what follows the first dot, so a name that starts with one is never taken for a message.
PARTIAL_PREFIX = "."
PARTIAL_SUFFIX = ".part"


class Channel(filesystem.Channel):
    """kombu's filesystem Channel with whole-or-nothing writes and a consumer that sets an
    unreadable message aside. Same folders, names and options as kombu's, plus
    `corrupt_folder`."""

    # The signatures are kombu's filesystem Channel's, which already narrow the base ones.
    def _put(self, queue: str, payload: dict[str, Any], **kwargs: Any) -> None:  # type: ignore[override]
        # kombu's naming (time-ordered, then unique), so kombu's _size and _purge still apply.
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        target = os.path.join(self.data_folder_out, name)
        partial = os.path.join(self.data_folder_out, PARTIAL_PREFIX + name + PARTIAL_SUFFIX)
        data = str_to_bytes(dumps(payload))
        try:
            with open(partial, "xb") as file:
                file.write(data)
            os.replace(partial, target)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.remove(partial)
            raise ChannelError(f"Cannot add file {name!r} to the queue folder") from exc

    def _get(self, queue: str) -> dict[str, Any]:  # type: ignore[override]
        wanted = f"{queue}.msg"
        for name in sorted(os.listdir(self.data_folder_in)):
            if name.partition(".")[2] != wanted:
                continue
            claimed = os.path.join(self.claim_folder, name)
            try:
                # Atomic on one file system: of two consumers only one gets the file.
                os.rename(os.path.join(self.data_folder_in, name), claimed)
            except OSError:
                continue  # another consumer took it first
            payload = self._read_claimed(claimed, queue)
            if payload is not None:
                return payload
        raise Empty()

    def _read_claimed(self, path: str, queue: str) -> dict[str, Any] | None:
        """The claimed message, or None once an unreadable one has been set aside."""
        try:
            with open(path, "rb") as file:
                payload = loads(bytes_to_str(file.read()))
            # Built here, as the consumer will build it, so that a message kombu cannot
            # take (not a dict, no delivery tag, a body that is not base64) fails now, where
            # it can be set aside, rather than in the worker's consumer loop, which it ends.
            self.Message(payload, channel=self)
        except Exception as exc:
            self._set_aside(path, queue, exc)
            return None
        if not self.store_processed:
            with contextlib.suppress(OSError):
                os.remove(path)
        return payload

    def _set_aside(self, path: str, queue: str, exc: Exception) -> None:
        name = os.path.basename(path)
        aside = os.path.join(self.corrupt_folder, name)
        try:
            os.replace(path, aside)
        except OSError:
            aside = path  # left where it was claimed; it is not read again from there
        logger.error(
            "unreadable message file %s on queue %s set aside at %s: %s",
            name,
            queue,
            aside,
            f"{type(exc).__name__}: {exc}",
            extra={"queue": queue, "file": aside, "error": type(exc).__name__},
        )

    @cached_property
    def claim_folder(self) -> str:
        """Where a consumer moves a message to claim it: the processed folder, beside the
        queue folder so that the move is one atomic rename (kombu moves to the system temp
        folder, which may be another file system, when processed messages are not kept)."""
        folder = str(self.processed_folder)
        os.makedirs(folder, exist_ok=True)
        return folder

    @cached_property
    def corrupt_folder(self) -> str:
        folder = str(self.transport_options.get("corrupt_folder", "corrupt"))
        os.makedirs(folder, exist_ok=True)
        return folder


class Transport(filesystem.Transport):
    Channel = Channel
    driver_name = ALIAS


TRANSPORT_ALIASES[ALIAS] = f"{__name__}:Transport"
