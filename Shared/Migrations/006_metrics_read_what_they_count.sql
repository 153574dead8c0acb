-- Admin's metrics counted every claim of the campaign on each read (a scan of all its rows: 39 ms at 100,000 claims),
-- and the dashboard reads them every second, the claim benchmark's lease watch every 50 ms. Each count now reads only
-- the rows it counts; claimed is stock - available - leased, the balance the constraints on campaigns and leases keep.
-- The index by campaign and time replaces the one by campaign alone, so a claim insert maintains as many as before.
create index claims_campaign_recent on claims (campaign_id, claimed_at);
create index claims_redeemed on claims (campaign_id) where status = 'redeemed';
create index claims_released on claims (campaign_id) where status = 'released';
drop index claims_campaign;
