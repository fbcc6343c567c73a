"""Layer 0, imported by every other layer and importing none of them: the typed data the stages exchange
(:mod:`.types`), the typed reader of the analysis document (:mod:`.document`), the user-facing errors with
their exit codes (:mod:`.errors`), atomic files and caches (:mod:`.files`), text formatting shared by every
output (:mod:`.formatting`) and the cores the process may use (:mod:`.machine`)."""
