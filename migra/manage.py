"""The `migra` console script: Django's manage.py for this project."""

import os
import sys


def main() -> None:
    if sys.argv[1:] == ["keys", "generate"]:
        # Must work before any key exists: production settings refuse to load without
        # keys, so this one action runs before Django reads them.
        from migra.lib.keys import generated_keys_text

        sys.stdout.write(generated_keys_text())
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "migra.config.settings.base")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
