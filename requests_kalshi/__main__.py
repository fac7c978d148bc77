"""``python -m requests_kalshi``: the ``requests-kalshi`` command line."""

from requests_kalshi.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
