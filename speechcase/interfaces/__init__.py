"""Layer 5: the ways in. The command line (:mod:`.cli`) and the terminal coach review (:mod:`.terminal`).
Each is a thin layer over :mod:`speechcase.service` and the layers below; nothing imports an interface."""
