-- Admin's claims per second came from this index: the claims of the last ten seconds, counted on every read, which
-- in a storm meant tens of thousands of entries per dashboard refresh (twenty a second in the claim benchmark's lease
-- watch). ClaimApi now counts each second's claims in Redis as it signals them, and no other query leads with the
-- campaign alone, so every claim insert maintains one index fewer.
drop index if exists claims_campaign_recent;
