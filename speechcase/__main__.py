"""``python -m speechcase``: the same as the ``speechcase`` command."""
from speechcase.interfaces.cli.main import main

main()
