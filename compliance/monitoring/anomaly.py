"""Per-customer behaviour features and the IsolationForest over them.

The model blob is written by us (joblib) and stored in the database with an HMAC
keyed from SECRET_KEY; the HMAC is checked before the blob is ever deserialised, so
a tampered row cannot execute code on load.
"""

from __future__ import annotations

import hashlib
import hmac
import io

import joblib
import numpy as np
import pandas as pd
from django.conf import settings
from sklearn.ensemble import IsolationForest

from compliance.monitoring.rules import TxFrame

FEATURES = [
    "tx_count",
    "log_total_in",
    "log_total_out",
    "log_max_amount",
    "counterparties",
    "round_share",
    "high_risk_share",
    "out_in_ratio",
]
HIGH_RISK = {"IR", "KP", "MM", "SY", "YE", "AF"}


def customer_features(frame: TxFrame) -> pd.DataFrame:
    """One row per customer (index: customer id), columns FEATURES. Placeholder rows (id < 0) are ignored."""
    real = frame.id > 0
    df = pd.DataFrame(
        {
            "customer": frame.customer[real],
            "amount": frame.amount[real].astype(np.float64),
            "is_in": frame.is_in[real],
            "cp": frame.cp_account[real],
            "round": (frame.amount[real] % 10_000 == 0) & (frame.amount[real] > 0),
            "risky": np.isin(frame.cp_country[real], list(HIGH_RISK)),
        }
    )
    if df.empty:
        return pd.DataFrame(columns=FEATURES, dtype=np.float64)
    df["in_amount"] = np.where(df["is_in"], df["amount"], 0.0)
    df["out_amount"] = np.where(df["is_in"], 0.0, df["amount"])
    g = df.groupby("customer")
    total_in, total_out = g["in_amount"].sum(), g["out_amount"].sum()
    return pd.DataFrame(
        {
            "tx_count": g.size().astype(np.float64),
            "log_total_in": np.log1p(total_in),
            "log_total_out": np.log1p(total_out),
            "log_max_amount": np.log1p(g["amount"].max()),
            "counterparties": g["cp"].nunique().astype(np.float64),
            "round_share": g["round"].mean(),
            "high_risk_share": g["risky"].mean(),
            "out_in_ratio": (total_out / total_in.where(total_in > 0, 1.0)).clip(upper=10.0),
        }
    )[FEATURES]


def blob_hmac(blob: bytes) -> str:
    key = hashlib.sha256(b"compliance.anomaly-model:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, blob, hashlib.sha256).hexdigest()


def train(features: pd.DataFrame, *, contamination: float = 0.01) -> tuple[bytes, float]:
    """Fit on the features; the blob holds the model and the robust scale for explanations.
    Returns (blob, threshold): scores at or above the threshold are the top `contamination`."""
    model = IsolationForest(n_estimators=100, contamination=contamination, random_state=0)
    values = features[FEATURES].to_numpy(np.float64)
    model.fit(values)
    median = np.median(values, axis=0)
    scale = np.subtract(*np.percentile(values, [75, 25], axis=0))
    scale = np.where(scale > 0, scale, values.std(axis=0) + 1e-9)
    buffer = io.BytesIO()
    joblib.dump({"model": model, "median": median, "scale": scale, "features": FEATURES}, buffer)
    scores = -model.score_samples(values)
    return buffer.getvalue(), float(np.quantile(scores, 1 - contamination))


def load(blob: bytes, expected_hmac: str) -> dict:
    if not hmac.compare_digest(blob_hmac(blob), expected_hmac):
        raise ValueError("anomaly model blob fails its HMAC: refusing to load it")
    # Safe: the HMAC above proves we wrote these bytes.
    return joblib.load(io.BytesIO(blob))  # nosec B301


def score(bundle: dict, features: pd.DataFrame) -> tuple[np.ndarray, list[dict]]:
    """Anomaly score per row (higher = stranger) and the three features furthest from normal."""
    values = features[bundle["features"]].to_numpy(np.float64)
    scores = -bundle["model"].score_samples(values)
    z = (values - bundle["median"]) / bundle["scale"]
    explanations = []
    for row in z:
        top = np.argsort(-np.abs(row))[:3]
        explanations.append({bundle["features"][j]: round(float(row[j]), 2) for j in top})
    return scores, explanations
