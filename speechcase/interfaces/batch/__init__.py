"""Cohort batches: hundreds of recordings analysed on Dask (a LocalCluster, or an existing cluster).

The pieces, in the order a batch uses them:

- :mod:`.manifest`: the recordings and whose they are (a manifest CSV, or paths);
- :mod:`.plan`: on the driver, which of them are already stored with the same settings, and which cannot be
  read at all;
- :mod:`.cluster`: the Dask client, worker sizing, and the workers' warm models;
- :mod:`.worker`: the task each recording is (``speechcase.service.analyze_input`` on a worker);
- :mod:`.runner`: the driver's loop, recording each result in the store;
- :mod:`.report`: the lines, table and CSV a person or a script reads.

Nothing else in speechcase imports this package except the ``speechcase batch`` command (it needs the
``cluster`` extra: ``pip install 'speechcase[cluster]'``). Usage and the capacity plan: docs/batch.md.
"""
