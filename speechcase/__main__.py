"""``python -m speechcase``: the same as the ``speechcase`` command."""
from speechcase.interfaces.cli.main import run

if __name__ == "__main__":  # not when a batch's worker processes (multiprocessing's spawn) import this module
    run()
