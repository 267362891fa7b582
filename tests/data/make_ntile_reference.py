"""SQL NTILE for the worked example in tests/rfm.rs (ntile_matches_sql),
from SQLite's window functions (Python's sqlite3, SQLite >= 3.25):
python3 make_ntile_reference.py
"""
import sqlite3

db = sqlite3.connect(":memory:")
db.execute("create table c (customer integer, orders integer)")
db.executemany("insert into c values (?, ?)", enumerate([5, 3, 3, 9, 1, 7, 3]))
rows = db.execute(
    "select customer, ntile(3) over (order by orders, customer) as f, "
    "ntile(3) over (order by customer) as r from c order by customer"
).fetchall()
print("customer, frequency score, recency score (all recency tied)")
for row in rows:
    print(row)
