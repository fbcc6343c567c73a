"""Layer 3: pages and tables rendered from analysis documents and stored runs, never from pipeline objects: the
talk dashboard (:mod:`.dashboard`), the comparison of takes (:mod:`.compare`), the candidate's report
(:mod:`.report`), the CLI summary (:mod:`.summary`) and pandas tables (:mod:`.frames`). Every text is escaped
here. Depends on :mod:`speechcase.rehearsals` and below."""
