"""AML transaction monitoring: events, the rule library, batch scan, stream consumer, anomaly model."""
