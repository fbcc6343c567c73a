"""Layer 2: what is kept between takes. The SQLite rehearsal store (:mod:`.store`), the coach review stored
in it (:mod:`.reviews`), history, re-analysis, export and import (:mod:`.history`) and the data of the
candidate's report (:mod:`.report`). Reads analysis documents only through
:mod:`speechcase.core.document`; depends on :mod:`speechcase.analysis` (re-analysis) and :mod:`speechcase.core`.
"""
