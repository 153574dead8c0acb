-- The surrogate id was read by nothing but the hold reaper, and each claim paid for it: a sequence step and one more
-- index to insert into, on the table a storm writes to most. The coupon code is unique already and is what every
-- caller names a claim by, so it is the key now. Its unique constraint stays as it is rather than being rebuilt as a
-- primary key: both steps here only change the catalog, so upgrading a database with millions of claims does not hold
-- the table while an index is built. Replication identifies a row by the code.
alter table claims drop column id;
alter table claims replica identity using index claims_coupon_code_key;
