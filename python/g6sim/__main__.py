"""The ``g6sim`` command (and ``python -m g6sim``): the same command line as the Rust binary."""

import signal
import sys

from . import _native


def main() -> None:
    # Ctrl-C reaches the command as it reaches the binary: Python's own handler would only set a flag that is
    # read once the command has ended. (The commands that catch it install their own handler.)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    sys.exit(_native.main(["g6sim", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
