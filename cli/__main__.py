"""`python -m briefcast.cli`: the same as the `briefcast` command."""

from briefcast.cli import main

main()
