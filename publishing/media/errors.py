from __future__ import annotations


class MediaFetchError(Exception):
    """The media could not be fetched or is not acceptable; the message says why.

    ``retryable`` is true when the failure may pass (the host did not answer).
    """

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable
