"""``python -m crawler`` runs the ``mosnews`` command line."""

from crawler.cli import main

main()
