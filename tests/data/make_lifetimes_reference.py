"""Reference summaries from Python lifetimes 0.11.3 on the CDNOW sample.

Run from this folder:
    python3 -m venv venv && venv/bin/pip install lifetimes==0.11.3 "pandas<2" "numpy<1.25" "scipy<1.11"
    venv/bin/python make_lifetimes_reference.py

Writes lifetimes_summary_{D,W}.csv and lifetimes_holdout_{D,W}.csv; the tests
in tests/lifetimes_parity.rs read them, so CI needs no Python.
"""
import lifetimes
import pandas as pd
from lifetimes.utils import calibration_and_holdout_data, summary_data_from_transaction_data

assert lifetimes.__version__ == "0.11.3", lifetimes.__version__

rows = pd.read_csv(
    "../../src/datasets/cdnow_sample.txt",
    sep=r"\s+",
    header=None,
    names=["customer_id", "id", "date", "cds", "amount"],
    dtype={"date": str},
)
rows["date"] = pd.to_datetime(rows["date"], format="%Y%m%d")

for freq in ["D", "W"]:
    summary = summary_data_from_transaction_data(
        rows, "id", "date", monetary_value_col="amount",
        observation_period_end="1998-06-30", freq=freq,
    )
    summary.to_csv(f"lifetimes_summary_{freq}.csv", float_format="%.17g")

    split = calibration_and_holdout_data(
        rows, "id", "date", calibration_period_end="1997-09-30",
        observation_period_end="1998-06-30", freq=freq, monetary_value_col="amount",
    )
    split.to_csv(f"lifetimes_holdout_{freq}.csv", float_format="%.17g")
