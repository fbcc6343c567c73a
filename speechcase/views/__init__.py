"""Layer 3: pages and tables rendered from stored data, never from pipeline objects: the talk dashboard
(:mod:`.dashboard`), the comparison of takes (:mod:`.compare`) and the candidate's report (:mod:`.report`).
Every text is escaped here. Depends on :mod:`speechcase.rehearsals` and below."""
