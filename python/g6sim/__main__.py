"""The ``g6sim`` command (and ``python -m g6sim``): the same command line as the Rust binary."""

import sys

from . import _native


def main() -> None:
    sys.exit(_native.main(["g6sim", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
