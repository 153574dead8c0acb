-- A waiting shopper who stops polling or listening for this long loses the place in line.
alter table campaigns add column if not exists position_expiry_seconds int not null default 120
    check (position_expiry_seconds between 60 and 3600);
