"""Name matching: normalisation, an in-memory index per snapshot, and explainable scoring.

Pure computation over names; no writes. The one door for callers is
`compliance.services.screening.screen_party`.
"""
