"""Debugging derivatives: is a gradient right (``check_gradient``), and where does a NaN in it
come from (``explain_nans``)."""
