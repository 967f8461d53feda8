"""The media library: photos and videos a store uploads, for its posts to name by URL.

An upload arrives in chunks (:mod:`publishing.library.uploads`), appended to a file on disk so
that no process ever holds a whole video; when the last byte is in, the file is probed with the
same probe that checks media URLs, held to the platform-independent limits, and moved into the
default storage (:mod:`publishing.library.storage`). Its URL,
MEDIA_PUBLIC_BASE_URL/media/library/<random name>, is public, since the platforms fetch it
without credentials: what protects a file is its unguessable name.
"""
