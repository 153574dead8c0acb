-- The surrogate id was read by nothing but the hold reaper, and each claim paid for it: a sequence step and one more
-- index to insert into, on the table a storm writes to most. The coupon code is unique already and is what every
-- caller names a claim by, so it becomes the key.
alter table claims drop constraint claims_pkey;
alter table claims drop column id;
alter table claims drop constraint claims_coupon_code_key;
alter table claims add constraint claims_pkey primary key (coupon_code);
