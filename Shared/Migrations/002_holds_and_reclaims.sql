-- A released or expired claim gives its unit back, and its shopper may claim again: uniqueness now covers only
-- the claims that hold a unit. Still a constraint PostgreSQL enforces (DESIGN.md invariant 2).
alter table claims drop constraint one_claim_per_user;
create unique index one_active_claim_per_user on claims (campaign_id, user_id) where status in ('claimed', 'redeemed');
create index claims_campaign on claims (campaign_id);

-- The cart hold: an unredeemed claim returns to stock at hold_until while the campaign runs.
alter table claims add column hold_until timestamptz;
create index claims_holds_due on claims (hold_until) where status = 'claimed' and hold_until is not null;
