"""`makemessages` without fuzzy matching.

gettext's guesses ("Publish now" from "Publishing") are marked fuzzy and never compiled, so
a guessed string would quietly show in English; without them a new string is simply empty
and the test that every Arabic string is translated names it.
"""

from __future__ import annotations

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]
