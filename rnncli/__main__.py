"""``python -m rnncli``."""

import sys

try:
    from rnncli.cli import main
except KeyboardInterrupt:  # Ctrl-C during start-up: no traceback
    sys.stderr.write("rnncli: interrupted\n")
    sys.exit(130)

if __name__ == "__main__":
    main()
