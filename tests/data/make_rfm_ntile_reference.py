"""RFM scores by SQL NTILE(5) for every customer of the embedded CDNOW
sample, from SQLite's window functions (Python's sqlite3, SQLite >= 3.25),
for tests/rfm.rs (ntile_scores_match_sql_on_cdnow):

    python3 tests/data/make_rfm_ntile_reference.py > tests/data/cdnow_rfm_ntile.csv

Recency orders by the last purchase date, frequency by the number of
orders, monetary by total spend (exact cents); ties by customer id,
ascending, in all three.
"""
import sqlite3
from decimal import Decimal
from pathlib import Path

sample = Path(__file__).resolve().parents[2] / "src" / "datasets" / "cdnow_sample.txt"
customers = {}
for line in sample.read_text().splitlines():
    fields = line.split()
    if len(fields) != 5:
        continue
    customer, date, cents = int(fields[1]), fields[2], int(Decimal(fields[4]) * 100)
    last, orders, total = customers.get(customer, ("", 0, 0))
    customers[customer] = (max(last, date), orders + 1, total + cents)

db = sqlite3.connect(":memory:")
db.execute("create table c (customer integer, last text, orders integer, cents integer)")
db.executemany("insert into c values (?, ?, ?, ?)", [(k, *v) for k, v in customers.items()])
rows = db.execute(
    "select customer,"
    " ntile(5) over (order by last, customer),"
    " ntile(5) over (order by orders, customer),"
    " ntile(5) over (order by cents, customer)"
    " from c order by customer"
).fetchall()
print("customer,r,f,m")
for row in rows:
    print(",".join(map(str, row)))
