"""Reconciliation of gateway records against the ledger: sources (`sources`,
`csv_format`), the set-wise match (`matching`), runs (`runs`) and the resolution of
exceptions (`resolutions`)."""
