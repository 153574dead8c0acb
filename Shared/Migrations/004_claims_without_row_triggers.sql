-- The claim insert is the hot path of a storm, and each foreign key on it costs a row-level trigger per row: a
-- lookup plus a KEY SHARE lock on the campaign and lease rows, which four writers turned into multixacts on the same
-- two rows. Measured on the claim storm, PostgreSQL spent about 60 µs of CPU per claim with them.
-- The insert itself now joins each row to its lease (same campaign, lease still open), so a claim can only land in
-- a lease that exists, and the same statement adds it to the lease's `used`, whose CHECK (used + returned <= granted)
-- still refuses a claim beyond the lease. Leases are never deleted, so nothing else needs the keys.
alter table claims drop constraint if exists claims_campaign_id_fkey;
alter table claims drop constraint if exists claims_lease_id_fkey;
