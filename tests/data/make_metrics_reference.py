"""Golden repurchase metrics on the CDNOW sample, computed with pandas.

Run from this folder (pandas and numpy; the lifetimes venv of
make_lifetimes_reference.py has both):
    venv/bin/python make_metrics_reference.py

Definitions, written independently of the Rust code:
- a purchase day is a calendar day with a purchase (CDNOW has no refunds);
- intervals are the day gaps between a customer's consecutive purchase days;
- quantiles are pandas' default (linear interpolation);
- the next-purchase rule blends a customer's own interval quantiles with the
  population's: (n * own + K * pop) / (n + K), K = 3; one-time buyers get
  the population's time-to-second-purchase quantiles.

Writes cdnow_metrics.json, cdnow_cycle_customers.csv and
cdnow_next_purchase.csv, read by tests/metrics_golden.rs.
"""
import json

import numpy as np
import pandas as pd

END = pd.Timestamp("1998-06-30")
K = 3.0

rows = pd.read_csv(
    "../../src/datasets/cdnow_sample.txt", sep=r"\s+", header=None,
    names=["master", "id", "date", "cds", "amount"], dtype={"date": str},
)
rows["date"] = pd.to_datetime(rows["date"], format="%Y%m%d")
rows = rows[rows["date"] <= END]
days = rows.groupby(["id", "date"]).size().reset_index()[["id", "date"]].sort_values(["id", "date"])
days["gap"] = days.groupby("id")["date"].diff().dt.days
days["rank"] = days.groupby("id").cumcount()
first = days.groupby("id")["date"].min()
last = days.groupby("id")["date"].max()
n_days = days.groupby("id").size()


def stats(values):
    s = pd.Series(values, dtype=float)
    q = s.quantile([0.1, 0.25, 0.5, 0.75, 0.9]).tolist() if len(s) else [None] * 5
    return {
        "count": int(len(s)), "mean": float(s.mean()) if len(s) else None,
        "min": int(s.min()) if len(s) else None, "p10": q[0], "p25": q[1], "median": q[2],
        "p75": q[3], "p90": q[4], "max": int(s.max()) if len(s) else None,
    }


out = {"repurchase_rate": [int((n_days >= 2).sum()), int(len(n_days))]}

# k-day repurchase rates, first purchase in Q1 1997, observed to END.
second = days[days["rank"] == 1].set_index("id")["date"]
kday = {}
for k in [7, 30, 90, 180, 365, 500]:
    in_window = first[(first >= "1997-01-01") & (first <= "1997-03-31")]
    eligible = in_window[in_window + pd.Timedelta(days=k) <= END]
    censored = len(in_window) - len(eligible)
    gap = (second.reindex(eligible.index) - eligible).dt.days
    kday[str(k)] = [int((gap <= k).sum()), int(len(eligible)), int(censored)]
out["k_day"] = kday

# Returning-customer rate per calendar month (each record is one order).
returning = {}
for start in pd.date_range("1997-01-01", "1998-06-01", freq="MS"):
    end = start + pd.offsets.MonthEnd(0)
    buyers = days[(days["date"] >= start) & (days["date"] <= end)]["id"].unique()
    orders = rows[rows["date"] <= end].groupby("id").size()
    returning[start.strftime("%Y-%m")] = [int((orders.reindex(buyers) > 1).sum()), int(len(buyers))]
out["returning"] = returning

second_gaps = days[days["rank"] == 1]["gap"]
out["time_to_second"] = stats(second_gaps)
out["one_time_buyers"] = int((n_days == 1).sum())
gaps = days["gap"].dropna()
out["cycle"] = stats(gaps)
edges = [7, 14, 30, 60, 90, 180, 365]
out["histogram"] = np.histogram(gaps, bins=[0] + edges + [10**9])[0].tolist()

# Spend: every record is an order; revenue in exact cents.
def cents(x):
    return f"{round(float(x), 2):.2f}"


out["spend"] = {"orders": int(len(rows)), "customers": int(rows["id"].nunique()), "revenue": cents(rows["amount"].sum())}
rows["month"] = rows["date"].dt.to_period("M")
monthly = rows.groupby("month").agg(orders=("amount", "size"), customers=("id", "nunique"), revenue=("amount", "sum"))
out["spend_by_month"] = {str(m): [int(r.orders), int(r.customers), cents(r.revenue)] for m, r in monthly.iterrows()}

# Churn between consecutive months: active in m, and in m + 1.
active = days.assign(month=days["date"].dt.to_period("M"))[["id", "month"]].drop_duplicates()
months = sorted(active["month"].unique())
churn = {}
for m in months[:-1]:
    now = set(active[active["month"] == m]["id"])
    nxt = set(active[active["month"] == m + 1]["id"])
    churn[str(m)] = [len(now), len(now & nxt)]
out["churn_by_month"] = churn

# Monthly cohorts: per cohort and offset, active customers, cumulative repeat
# buyers, orders and revenue.
cohort_of = first.dt.to_period("M")
active["cohort"] = active["id"].map(cohort_of)
active["offset"] = (active["month"] - active["cohort"]).apply(lambda d: d.n)
second_month = second.dt.to_period("M")
rows["cohort"] = rows["id"].map(cohort_of)
rows["offset"] = (rows["month"] - rows["cohort"]).apply(lambda d: d.n)
end_month = END.to_period("M")
cohorts = {}
for c in sorted(cohort_of.unique()):
    members = cohort_of[cohort_of == c].index
    cells = []
    for offset in range((end_month - c).n + 1):
        month = c + offset
        a = active[(active["cohort"] == c) & (active["offset"] == offset)]["id"].nunique()
        repeat = int((second_month.reindex(members) <= month).sum())
        r = rows[(rows["cohort"] == c) & (rows["offset"] == offset)]
        cells.append([int(a), repeat, int(len(r)), cents(r["amount"].sum())])
    cohorts[str(c)] = {"customers": int(len(members)), "cells": cells}
out["cohorts_by_month"] = cohorts

with open("cdnow_metrics.json", "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)

per = days.dropna(subset=["gap"]).groupby("id")["gap"]
cycle = pd.DataFrame({
    "purchase_days": n_days,
    "mean": per.mean(),
    "median": per.median(),
    "cv": per.std(ddof=0) / per.mean(),
})
cycle.to_csv("cdnow_cycle_customers.csv", float_format="%.17g", na_rep="")

pop = gaps.quantile([0.25, 0.5, 0.75])
sec = second_gaps.quantile([0.25, 0.5, 0.75])
records = []
for cid, g in days.groupby("id"):
    own = g["gap"].dropna()
    if len(own):
        n = len(own)
        q = own.quantile([0.25, 0.5, 0.75])
        lo, mid, hi = [(n * q[p] + K * pop[p]) / (n + K) for p in (0.25, 0.5, 0.75)]
    else:
        lo, mid, hi = sec[0.25], sec[0.5], sec[0.75]
    lastd = g["date"].max()
    since = (END - lastd).days

    def shift(x):
        # Round half up, as Rust's f64::round does for positive numbers.
        return (lastd + pd.Timedelta(days=float(np.floor(x + 0.5)))).strftime("%Y-%m-%d")

    records.append({
        "id": cid, "last": lastd.strftime("%Y-%m-%d"), "typical": mid,
        "expected": shift(mid), "earliest": shift(lo), "latest": shift(hi),
        "days_since_last": since, "overdue_ratio": since / mid,
    })
pd.DataFrame(records).to_csv("cdnow_next_purchase.csv", index=False, float_format="%.17g")
