"""Django's makemessages without fuzzy matching.

msgmerge would otherwise guess a translation for each new message from a similar old
one and mark it fuzzy; such guesses are often wrong in Khmer and Thai, and the
translation test refuses fuzzy entries anyway. New messages arrive empty instead.
"""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]
